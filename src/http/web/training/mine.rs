//! "My trainings": the caller's enrollments (a business admin's: the business's) with status,
//! place in line and seat price, and giving up a place, with the late fee named on the button
//! before and in the answer after.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::status_words;
use crate::domain::training::{Course, EnrollmentStatus, SessionStatus};
use crate::domain::{EnrollmentId, Money, Role, WorkshopTz};
use crate::http::auth::CurrentUser;
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::bookings::euros;
use crate::http::web::{chrome, html, see_other};
use crate::http::{AppError, AppState};
use crate::services::training::{self, MyEnrollment};
use crate::services::{now, ServiceError};
use crate::views::format::local_minute;
use crate::views::pages::training::{self as view, Leave, MyTrainingsPage, TrainingLine};

#[derive(Deserialize)]
pub struct Flash {
    done: Option<String>,
}

/// Confirmations after a redirect, by code, so no text from the URL reaches the page.
fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "confirmed" => Some("Signed up: the seat is confirmed. A confirmation is on its way by email."),
        "waitlisted" => Some("The session is full, so this is a place on the waiting list (its position is below). When a seat frees up, the first in line gets it and is told by email."),
        "all-confirmed" => Some("Signed up: everyone has a confirmed seat and is told by email."),
        "all-waitlisted" => Some("The session is full, so everyone is on the waiting list (positions below) and is told by email. When a seat frees up, the first in line gets it."),
        "mixed" => Some("Signed up: the first got seats; the session then filled up, so the others are on the waiting list (positions below). Everyone is told by email."),
        "left" => Some("The place was given up. Nothing is charged."),
        _ => None,
    }
}

/// What giving up this place would mean now; `None` once it cannot be given up here.
fn leave_of(
    mine: &MyEnrollment,
    course: Option<&Course>,
    tz: WorkshopTz,
    at: DateTime<Utc>,
) -> Option<Leave> {
    let (enrollment, session) = (&mine.enrollment, &mine.session);
    if !session.open_for_sign_up(at) {
        return None;
    }
    match enrollment.status {
        EnrollmentStatus::Waitlisted => Some(Leave {
            button: "Leave the waiting list".into(),
            note: "Free.".into(),
        }),
        EnrollmentStatus::Confirmed => {
            let policy = course?.cancellation_policy();
            let fee = policy.fee(session.starts_at, at, enrollment.seat_price);
            let free_until = local_minute(
                session.starts_at - Duration::hours(policy.free_until_hours),
                tz,
            );
            Some(if fee > Money::ZERO {
                Leave {
                    button: format!("Give up the seat with a fee of {}", euros(fee)),
                    note: format!("Free cancellation ended {free_until}."),
                }
            } else {
                Leave {
                    button: "Give up the seat".into(),
                    note: format!("Free until {free_until}."),
                }
            })
        }
        _ => None,
    }
}

fn line(
    mine: &MyEnrollment,
    courses: &[Course],
    tz: WorkshopTz,
    at: DateTime<Utc>,
) -> TrainingLine {
    let (enrollment, session) = (&mine.enrollment, &mine.session);
    let course = courses.iter().find(|c| c.id == session.course_id);
    let status = if session.status == SessionStatus::Cancelled {
        "cancelled by the workshop".to_string()
    } else {
        status_words(enrollment.status, enrollment.position)
    };
    TrainingLine {
        enrollment_id: enrollment.id.get(),
        session_id: session.id.get(),
        course: session.course_name.clone(),
        when: crate::services::bookings::when(tz, session.starts_at, session.ends_at),
        who: enrollment.user_name.clone(),
        status,
        price: euros(enrollment.seat_price),
        leave: leave_of(mine, course, tz, at),
    }
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    notice: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let by = user.by();
    let (mine, courses) = state
        .db(move |c| -> Result<_, ServiceError> {
            Ok((training::my_enrollments(c, &by)?, training::courses(c)?))
        })
        .await?;
    let at = now();
    let is_upcoming = |m: &&MyEnrollment| {
        m.session.ends_at > at
            && m.session.status == SessionStatus::Scheduled
            && m.enrollment.status != EnrollmentStatus::Cancelled
    };
    let mut upcoming: Vec<&MyEnrollment> = mine.iter().filter(is_upcoming).collect();
    upcoming.sort_by_key(|m| (m.session.starts_at, m.enrollment.id));
    let upcoming: Vec<TrainingLine> = upcoming
        .into_iter()
        .map(|m| line(m, &courses, state.tz, at))
        .collect();
    let past: Vec<TrainingLine> = mine
        .iter()
        .filter(|m| !is_upcoming(m))
        .map(|m| line(m, &courses, state.tz, at))
        .collect();
    let data = MyTrainingsPage {
        upcoming: &upcoming,
        past: &past,
        show_who: user.user.role == Role::BusinessAdmin,
        notice,
        error,
    };
    Ok(html(status, view::mine(&chrome(Some(user), csrf), &data)))
}

pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let notice = notice_for(flash.done.as_deref());
    render(&state, &user, &csrf, notice, None, StatusCode::OK).await
}

/// Gives up a seat (the first in line gets it) or leaves the waiting list, at once: the list
/// named any fee on the button. A late one answers with the page itself, saying the fee charged.
pub async fn leave(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), EnrollmentId::new(path.into_inner()));
    let outcome = state
        .with_context(move |c, ctx| training::leave(c, ctx, &by, id))
        .await;
    let (status, message) = match outcome {
        Ok(left) if left.cancellation_fee > Money::ZERO => {
            let message = format!(
                "The seat was given up. As it was given up late, a fee of {} goes on the next invoice.",
                euros(left.cancellation_fee)
            );
            return render(&state, &user, &csrf, Some(&message), None, StatusCode::OK).await;
        }
        Ok(_) => return Ok(see_other("/trainings?done=left")),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, m),
        Err(AppError::Unprocessable(m)) => (StatusCode::UNPROCESSABLE_ENTITY, m),
        Err(AppError::Forbidden(m)) => (StatusCode::FORBIDDEN, m),
        Err(other) => return Err(other),
    };
    render(&state, &user, &csrf, None, Some(&message), status).await
}
