//! "My schedule", for a tutor: the sessions they teach (with seats taken, linking to the session's
//! page where they mark attendance) and every block of their time over the next four weeks.
use actix_web::web;
use chrono::Duration;
use maud::Markup;

use super::chrome;
use crate::db::DbConn;
use crate::domain::training::Session;
use crate::domain::tutors::Tutor;
use crate::domain::WorkshopTz;
use crate::http::auth::CurrentUser;
use crate::http::csrf::CsrfToken;
use crate::http::{AppError, AppState};
use crate::services::bookings::when;
use crate::services::training::{self, SessionQuery};
use crate::services::tutors::{self, ScheduleEntry};
use crate::services::{now, resources, ServiceError};
use crate::views::pages::tutor::{self as view, ScheduleLine, SchedulePage, TeachingLine};

/// How far ahead the schedule reaches.
const WEEKS: i64 = 4;
/// How far back sessions stay listed, so attendance can still be marked after the day.
const RECENT_DAYS: i64 = 7;

struct Loaded {
    tutor: Tutor,
    teaching: Vec<Session>,
    schedule: Vec<ScheduleEntry>,
    /// Machine names by id, for bookings made with a machine.
    names: Vec<(crate::domain::ResourceId, String)>,
}

fn load(c: &mut DbConn, user: &CurrentUser) -> Result<Option<Loaded>, ServiceError> {
    let Some(tutor) = tutors::of_user(c, user.user.id)? else {
        return Ok(None);
    };
    let at = now();
    let until = at + Duration::weeks(WEEKS);
    let query = SessionQuery {
        from: Some(at - Duration::days(RECENT_DAYS)),
        to: Some(until),
        tutor_id: Some(tutor.resource.id),
        ..SessionQuery::default()
    };
    let teaching = training::sessions(c, &query)?;
    let schedule = tutors::schedule(c, &user.by(), tutor.resource.id, at, until)?;
    let names = resources::resources(c)?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    Ok(Some(Loaded {
        tutor,
        teaching,
        schedule,
        names,
    }))
}

/// One block of the tutor's time in words: a session they teach (linked), or a booking.
fn schedule_line(entry: &ScheduleEntry, loaded: &Loaded, tz: WorkshopTz) -> ScheduleLine {
    let session = (entry.kind == "session")
        .then(|| {
            loaded
                .teaching
                .iter()
                .find(|s| s.starts_at == entry.starts_at)
        })
        .flatten();
    let (what, link) = match session {
        Some(s) => (
            format!(
                "Teaching {} ({} of {} seats taken)",
                s.course_name, s.seats_taken, s.seats
            ),
            Some(format!("/training/sessions/{}", s.id)),
        ),
        None if entry.kind == "session" => ("Teaching a session".to_string(), None),
        None => {
            let machine = entry
                .resource_id
                .filter(|r| *r != loaded.tutor.resource.id)
                .and_then(|r| loaded.names.iter().find(|(id, _)| *id == r))
                .map(|(_, name)| name.as_str());
            let what = match (entry.booking_id, machine) {
                (Some(b), Some(m)) => format!("Booked with the {m} (booking {b})"),
                (Some(b), None) => format!("Booked as a tutor (booking {b})"),
                (None, _) => "Busy".to_string(),
            };
            (what, None)
        }
    };
    ScheduleLine {
        when: when(tz, entry.starts_at, entry.ends_at),
        what,
        link,
    }
}

pub async fn schedule(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
) -> Result<Markup, AppError> {
    let viewer = user.clone();
    let loaded = state
        .db(move |c| load(c, &viewer))
        .await?
        .ok_or_else(|| AppError::Forbidden("This page is for the workshop's tutors.".into()))?;
    let (tz, at) = (state.tz, now());
    let teaching: Vec<TeachingLine> = loaded
        .teaching
        .iter()
        .map(|s| TeachingLine {
            session_id: s.id.get(),
            course: s.course_name.clone(),
            when: when(tz, s.starts_at, s.ends_at),
            seats: format!("{} of {}", s.seats_taken, s.seats),
            waiting: s.waiting,
            started: s.starts_at <= at,
        })
        .collect();
    let schedule: Vec<ScheduleLine> = loaded
        .schedule
        .iter()
        .map(|e| schedule_line(e, &loaded, tz))
        .collect();
    let data = SchedulePage {
        tutor: &loaded.tutor.resource.name,
        teaching: &teaching,
        schedule: &schedule,
        weeks: WEEKS,
        recent_days: RECENT_DAYS,
    };
    Ok(view::page(&chrome(Some(&user), &csrf), &data))
}
