//! A session's page: its details and the seat price of the viewer's category; signing up (a
//! member for themself, a business admin for the business's people, a visitor is sent to sign
//! in); for staff and the session's tutor the participants, the waiting list with positions and,
//! once it has started, attendance; for staff, seats and cancelling.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::Duration;
use serde::Deserialize;

use super::catalog::category_of;
use super::{status_words, summary};
use crate::db::DbConn;
use crate::domain::training::{Course, Enrollment, EnrollmentStatus, Session, SessionStatus};
use crate::domain::{PriceCategory, Role, SessionId, User, WorkshopTz};
use crate::http::auth::{CurrentUser, MaybeUser};
use crate::http::csrf::CsrfToken;
use crate::http::web::{chrome, encode_query_value, html};
use crate::http::{AppError, AppState};
use crate::services::training::{self, MyEnrollment};
use crate::services::{accounts, now, resources, ServiceError};
use crate::views::format::local_minute;
use crate::views::pages::training::{
    self as view, Manage, Participant, Person, SessionPage, SignUp,
};

#[derive(Deserialize)]
pub struct Flash {
    done: Option<String>,
}

/// Confirmations after a redirect, by code, so no text from the URL reaches the page.
fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "seats" => Some("The seats were changed; added seats went to the waiting list first."),
        "cancelled" => Some("The session was cancelled. Everyone signed up or waiting is told by email; nobody is charged."),
        "attendance" => Some("The attendance was recorded."),
        _ => None,
    }
}

/// What the page shows besides the stored state.
#[derive(Default)]
pub(super) struct Shown<'a> {
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    /// The seats as typed into a refused form.
    pub seats: Option<String>,
}

struct Loaded {
    session: Session,
    course: Course,
    machines: Vec<String>,
    category: Option<PriceCategory>,
    /// The viewer's live enrollments in this session (a business admin: the business's).
    mine: Vec<MyEnrollment>,
    /// A business admin's active people.
    people: Vec<User>,
    /// Staff and the session's tutor only.
    participants: Option<Vec<Enrollment>>,
}

fn load(c: &mut DbConn, user: Option<&CurrentUser>, id: SessionId) -> Result<Loaded, ServiceError> {
    let session = training::session(c, id)?;
    let course = training::course(c, session.course_id)?;
    let machines = resources::resources(c)?
        .into_iter()
        .filter(|r| session.machine_ids.contains(&r.id))
        .map(|r| r.name)
        .collect();
    let category = category_of(c, user)?;
    let (mut mine, mut people, mut participants) = (Vec::new(), Vec::new(), None);
    if let Some(user) = user {
        let by = user.by();
        mine = training::my_enrollments(c, &by)?;
        mine.retain(|e| e.session.id == id && e.enrollment.status != EnrollmentStatus::Cancelled);
        if user.user.role == Role::BusinessAdmin {
            people = accounts::users(c, &by, None, Some(user.user.customer_id))?;
            people.retain(|p| p.active);
        }
        participants = match training::participants(c, &by, id) {
            Ok(list) => Some(list),
            Err(ServiceError::NotFound) => None,
            Err(other) => return Err(other),
        };
    }
    Ok(Loaded {
        session,
        course,
        machines,
        category,
        mine,
        people,
        participants,
    })
}

/// The course's rule for giving up a seat of this session, in words.
fn policy_words(course: &Course, session: &Session, tz: WorkshopTz) -> String {
    let free_until = session.starts_at - Duration::hours(course.free_cancel_hours);
    if course.late_cancel_percent == 0 {
        "Free until the session starts. Leaving the waiting list is always free.".into()
    } else {
        format!(
            "Free until {}; later, {} % of the seat is charged. Leaving the waiting list is always free.",
            local_minute(free_until, tz),
            course.late_cancel_percent
        )
    }
}

fn people_of(loaded: &Loaded) -> Vec<Person> {
    loaded
        .people
        .iter()
        .map(|p| Person {
            id: p.id.get(),
            name: p.name.clone(),
            enrolled: loaded
                .mine
                .iter()
                .find(|e| e.enrollment.user_id == p.id)
                .map(|e| status_words(e.enrollment.status, e.enrollment.position)),
        })
        .collect()
}

fn sign_up<'a>(loaded: &Loaded, user: Option<&CurrentUser>, people: &'a [Person]) -> SignUp<'a> {
    let session = &loaded.session;
    let full = session.seats_left == 0;
    if session.status == SessionStatus::Cancelled {
        return SignUp::Closed("This session was cancelled; nobody can sign up.");
    }
    let at = now();
    if session.ends_at <= at {
        return SignUp::Closed("This session has taken place.");
    }
    if !session.open_for_sign_up(at) {
        return SignUp::Closed("This session has started; sign up for a later date.");
    }
    let staff = user.is_some_and(|u| u.user.role.is_staff());
    if loaded.participants.is_some() && !staff {
        return SignUp::Closed("You teach this session.");
    }
    match user {
        None => SignUp::SignIn {
            login: format!(
                "/login?next={}",
                encode_query_value(&format!("/training/sessions/{}", session.id))
            ),
        },
        Some(user) if user.user.role == Role::BusinessAdmin => SignUp::Business { people, full },
        Some(user) => SignUp::Own {
            mine: loaded
                .mine
                .iter()
                .find(|e| e.enrollment.user_id == user.user.id)
                .map(|e| status_words(e.enrollment.status, e.enrollment.position)),
            full,
        },
    }
}

/// Participants (holding a seat) and the waiting list, in the order the service gives.
fn split(list: &[Enrollment], markable: bool) -> (Vec<Participant>, Vec<Participant>) {
    let line = |e: &Enrollment| Participant {
        enrollment_id: e.id.get(),
        name: e.user_name.clone(),
        status: status_words(e.status, e.position),
        position: e.position,
        markable: markable && e.status == EnrollmentStatus::Confirmed,
    };
    let seated = list.iter().filter(|e| e.status.holds_seat()).map(line);
    let waiting = list
        .iter()
        .filter(|e| e.status == EnrollmentStatus::Waitlisted)
        .map(line);
    (seated.collect(), waiting.collect())
}

pub(super) async fn render(
    state: &AppState,
    user: Option<&CurrentUser>,
    csrf: &CsrfToken,
    id: SessionId,
    shown: Shown<'_>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let viewer = user.cloned();
    let loaded = state.db(move |c| load(c, viewer.as_ref(), id)).await?;
    let session = &loaded.session;
    let started = now() >= session.starts_at;
    let cancelled = session.status == SessionStatus::Cancelled;
    let summary = summary(session, state.tz, loaded.category);
    let people = people_of(&loaded);
    let (participants, waiting) = loaded
        .participants
        .as_deref()
        .map(|list| split(list, started && !cancelled))
        .unwrap_or_default();
    let manage = loaded.participants.as_ref().map(|_| Manage {
        participants: &participants,
        waiting: &waiting,
        started,
        staff: user.is_some_and(|u| u.user.role.is_staff()) && now() < session.ends_at,
        seats: shown
            .seats
            .clone()
            .unwrap_or_else(|| session.seats.to_string()),
    });
    let data = SessionPage {
        course: &loaded.course.name,
        description: &loaded.course.description,
        summary: &summary,
        machines: &loaded.machines,
        note: &session.note,
        policy: policy_words(&loaded.course, session, state.tz),
        sign_up: sign_up(&loaded, user, &people),
        manage,
        notice: shown.notice,
        error: shown.error,
    };
    Ok(html(status, view::session(&chrome(user, csrf), &data)))
}

pub async fn show(
    state: web::Data<AppState>,
    user: MaybeUser,
    csrf: CsrfToken,
    path: web::Path<i64>,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        notice: notice_for(flash.done.as_deref()),
        ..Shown::default()
    };
    let id = SessionId::new(path.into_inner());
    render(&state, user.0.as_ref(), &csrf, id, shown, StatusCode::OK).await
}
