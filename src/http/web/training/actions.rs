//! What a session's page sends: signing up (one's self, or a business admin several of the
//! business's people at once), and for staff or the session's tutor attendance, for staff seats
//! and cancelling. A refusal comes back as the session's page with the message and its status;
//! nothing is changed.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::session::{render, Shown};
use super::Pairs;
use crate::domain::training::{parse_seats, Attendance, Enrollment, EnrollmentStatus};
use crate::domain::{EnrollmentId, Role, SessionId, UserId};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::staff::sentence;
use crate::http::web::{refusal, see_other};
use crate::http::{AppError, AppState};
use crate::services::training;

/// The session's page again with `error`, keeping typed seats.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    id: SessionId,
    (status, message): (StatusCode, String),
    seats: Option<String>,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        error: Some(&message),
        seats,
        ..Shown::default()
    };
    render(state, Some(user), csrf, id, shown, status).await
}

/// Who the form signs up: the ticked `user_id`s; with none, the sender (a business admin must
/// tick someone).
fn people(user: &CurrentUser, form: &Pairs) -> Result<Vec<UserId>, AppError> {
    let ticked = form.all("user_id");
    if ticked.is_empty() {
        return if user.user.role == Role::BusinessAdmin {
            Err(AppError::Unprocessable(
                "Tick at least one person to sign up.".into(),
            ))
        } else {
            Ok(vec![user.user.id])
        };
    }
    ticked
        .iter()
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| AppError::Unprocessable("Choose people from the list.".into()))
        })
        .collect()
}

/// The code "My trainings" confirms a sign-up with.
fn signed_up_code(signed: &[Enrollment]) -> &'static str {
    let waiting = signed
        .iter()
        .filter(|e| e.status == EnrollmentStatus::Waitlisted)
        .count();
    match (signed.len(), waiting) {
        (1, 0) => "confirmed",
        (1, _) => "waitlisted",
        (_, 0) => "all-confirmed",
        (n, w) if n == w => "all-waitlisted",
        _ => "mixed",
    }
}

pub async fn sign_up(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = SessionId::new(path.into_inner());
    let outcome = match people(&user, &Pairs(form)) {
        Err(error) => Err(error),
        Ok(people) => {
            let by = user.by();
            state
                .with_context(move |c, ctx| training::sign_up(c, ctx, &by, id, &people))
                .await
        }
    };
    match outcome {
        Ok(signed) => Ok(see_other(&format!(
            "/trainings?done={}",
            signed_up_code(&signed)
        ))),
        Err(error) => refused(&state, &user, &csrf, id, refusal(error)?, None).await,
    }
}

#[derive(Deserialize)]
pub struct SeatsForm {
    #[serde(default)]
    seats: String,
}

pub async fn set_seats(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<SeatsForm>,
) -> Result<HttpResponse, AppError> {
    let id = SessionId::new(path.into_inner());
    let typed = form.seats.trim().to_string();
    let parsed = typed
        .parse::<i64>()
        .map_err(|_| format!("'{typed}' is not a whole number of seats."))
        .and_then(|n| parse_seats(n).map_err(|e| sentence(&e.0)));
    let outcome = match parsed {
        Err(message) => Err(AppError::Unprocessable(message)),
        Ok(seats) => {
            let by = user.by();
            state
                .with_context(move |c, ctx| training::set_seats(c, ctx, &by, id, seats))
                .await
        }
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/training/sessions/{id}?done=seats"))),
        Err(error) => refused(&state, &user, &csrf, id, refusal(error)?, Some(typed)).await,
    }
}

#[derive(Deserialize)]
pub struct CancelForm {
    /// The confirmation checkbox: present when ticked.
    confirm: Option<String>,
}

pub async fn cancel(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<CancelForm>,
) -> Result<HttpResponse, AppError> {
    let id = SessionId::new(path.into_inner());
    let outcome = if form.confirm.is_none() {
        Err(AppError::Unprocessable(
            "Tick the box to confirm that the session is to be cancelled.".into(),
        ))
    } else {
        let by = user.by();
        state
            .with_context(move |c, ctx| training::cancel_session(c, ctx, &by, id))
            .await
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/training/sessions/{id}?done=cancelled"
        ))),
        Err(error) => refused(&state, &user, &csrf, id, refusal(error)?, None).await,
    }
}

#[derive(Deserialize)]
pub struct AttendanceForm {
    #[serde(default)]
    attendance: String,
}

/// Marks a participant attended or absent: staff or the session's tutor; for anyone else the
/// enrollment does not exist (404).
pub async fn attendance(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<AttendanceForm>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), EnrollmentId::new(path.into_inner()));
    let enrollment = state.db(move |c| training::enrollment(c, &by, id)).await?;
    let session = enrollment.session_id;
    let outcome = match form.attendance.as_str() {
        "attended" | "no_show" => {
            let marked = if form.attendance == "attended" {
                Attendance::Attended
            } else {
                Attendance::NoShow
            };
            let by = user.by();
            state
                .with_context(move |c, ctx| training::mark_attendance(c, ctx, &by, id, marked))
                .await
        }
        _ => Err(AppError::Unprocessable(
            "Say whether the person attended or did not come.".into(),
        )),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/training/sessions/{session}?done=attendance"
        ))),
        Err(error) => refused(&state, &user, &csrf, session, refusal(error)?, None).await,
    }
}
