//! Staff: the front desk's board for today (the workshop's local day) — the day's bookings on
//! every machine with their state and one-click check-in, check-out and no-show; the usage
//! running now; today's training sessions; and a walk-in form that opens a usage record now.
//! A refused click comes back as the board with the message and its status; nothing changes.
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::usage::{customer_choices, machine_choices, required, sole_user, who};
use crate::db::DbConn;
use crate::domain::resources::Resource;
use crate::domain::training::Session;
use crate::domain::usage::UsageSource;
use crate::domain::{BookingId, CustomerId, ResourceId, UsageId, User, UserId, WorkshopTz};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::usage::{machine_name, source_label};
use crate::http::web::wall_clock::hh_mm;
use crate::http::web::{chrome, form_refusal, html, refusal, see_other};
use crate::http::{AppError, AppState};
use crate::services::bookings::{self, when, Booking, BookingStatus, ListQuery};
use crate::services::training::{self, SessionQuery};
use crate::services::usage::{self, NewUsage, UsageQuery, UsageRecord};
use crate::services::{accounts, now, resources, By, ServiceError};
use crate::views::format::local_minute;
use crate::views::pages::staff::today::{
    self as view, Arrival, BookingLine, RunningLine, SessionLine, TodayPage, WalkInFields,
};
use crate::views::pages::staff::FormError;

const BOARD: &str = "/staff/today";

fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "checked-in" => Some("Checked in: the usage runs from now until it is checked out."),
        "checked-out" => Some("Checked out: the usage is closed and charged."),
        "no-show" => Some("Marked as a no-show: the no-show fee is charged."),
        "walk-in" => Some("The walk-in started: the usage runs from now until it is checked out."),
        _ => None,
    }
}

#[derive(Deserialize)]
pub struct BoardQuery {
    done: Option<String>,
    /// The walk-in form's customer search.
    q: Option<String>,
}

/// Everything the board shows, read in one go.
struct Loaded {
    bookings: Vec<Booking>,
    /// Today's usage records (to tell each booking's state).
    today: Vec<UsageRecord>,
    running: Vec<UsageRecord>,
    no_shows: Vec<BookingId>,
    sessions: Vec<Session>,
    machines: Vec<Resource>,
    names: BTreeMap<CustomerId, String>,
    people: Vec<User>,
    customers: Vec<(String, String)>,
}

fn load(
    c: &mut DbConn,
    by: &By,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    search: Option<&str>,
) -> Result<Loaded, ServiceError> {
    let day = ListQuery {
        from: Some(from),
        to: Some(to),
        resource_id: None,
        include_cancelled: true,
    };
    let bookings = bookings::list(c, by, &day)?;
    let window = UsageQuery {
        from: Some(from),
        to: Some(to),
        ..UsageQuery::default()
    };
    let today = usage::list(c, by, &window)?;
    let open = UsageQuery {
        status: Some("open".into()),
        ..UsageQuery::default()
    };
    let running = usage::list(c, by, &open)?;
    let confirmed: Vec<BookingId> = bookings
        .iter()
        .filter(|b| b.status == BookingStatus::Confirmed)
        .map(|b| b.id)
        .collect();
    let customers: Vec<CustomerId> = bookings
        .iter()
        .map(|b| b.customer_id)
        .chain(running.iter().filter_map(|r| r.customer_id))
        .collect();
    let users: Vec<UserId> = bookings
        .iter()
        .map(|b| b.user_id)
        .chain(running.iter().filter_map(|r| r.user_id))
        .collect();
    let sessions = SessionQuery {
        from: Some(from),
        to: Some(to),
        ..SessionQuery::default()
    };
    Ok(Loaded {
        no_shows: usage::no_shows(c, by, &confirmed)?,
        sessions: training::sessions(c, &sessions)?,
        machines: resources::resources(c)?,
        names: accounts::customer_names(c, by, &customers)?,
        people: accounts::users_by_ids(c, by, &users)?,
        customers: customer_choices(c, by, search)?,
        bookings,
        today,
        running,
    })
}

/// A time span of today as `10:00–11:00`; one that crosses midnight in full.
fn span(start: DateTime<Utc>, end: DateTime<Utc>, tz: WorkshopTz) -> String {
    if tz.local_date(start) == tz.local_date(end) {
        let (s, e) = (tz.to_local(start).time(), tz.to_local(end).time());
        format!("{}–{}", hh_mm(s), hh_mm(e))
    } else {
        when(tz, start, end)
    }
}

fn booking_line(
    booking: &Booking,
    loaded: &Loaded,
    tz: WorkshopTz,
    at: DateTime<Utc>,
) -> BookingLine {
    let used: Vec<&UsageRecord> = loaded
        .today
        .iter()
        .filter(|r| r.booking_id == Some(booking.id) && r.status != "void")
        .collect();
    let open = used.iter().find(|r| r.status == "open").map(|r| r.id.get());
    let arrival = if booking.status == BookingStatus::Cancelled {
        Arrival::Cancelled
    } else if open.is_some() {
        Arrival::CheckedIn
    } else if !used.is_empty() {
        Arrival::Done
    } else if loaded.no_shows.contains(&booking.id) {
        Arrival::NoShow
    } else {
        Arrival::NotYetArrived
    };
    BookingLine {
        id: booking.id.get(),
        time: span(booking.starts_at, booking.ends_at, tz),
        machine: machine_name(&loaded.machines, booking.resource_id),
        who: who(
            Some(booking.customer_id),
            Some(booking.user_id),
            &loaded.names,
            &loaded.people,
        ),
        arrival,
        open_usage: open,
        // Someone marked a no-show who turns up after all is checked in; the no-show is reversed.
        may_check_in: matches!(arrival, Arrival::NotYetArrived | Arrival::NoShow),
        may_mark_no_show: arrival == Arrival::NotYetArrived && booking.starts_at <= at,
    }
}

fn running_line(record: &UsageRecord, loaded: &Loaded, tz: WorkshopTz) -> RunningLine {
    let since = if tz.local_date(record.started_at) == tz.local_date(now()) {
        hh_mm(tz.to_local(record.started_at).time())
    } else {
        local_minute(record.started_at, tz)
    };
    RunningLine {
        id: record.id.get(),
        machine: machine_name(&loaded.machines, record.resource_id),
        who: who(
            record.customer_id,
            record.user_id,
            &loaded.names,
            &loaded.people,
        ),
        source: source_label(record.source),
        since,
    }
}

fn session_line(session: &Session, tz: WorkshopTz, at: DateTime<Utc>) -> SessionLine {
    SessionLine {
        id: session.id.get(),
        time: span(session.starts_at, session.ends_at, tz),
        course: session.course_name.clone(),
        tutor: session.tutor_name.clone(),
        seats: format!("{} of {} taken", session.seats_taken, session.seats),
        now: if at < session.starts_at {
            "later today"
        } else if at < session.ends_at {
            "running now"
        } else {
            "ended"
        },
    }
}

/// The board as shown: a notice or a refusal, and the walk-in form as typed.
#[derive(Default)]
struct Shown<'a> {
    notice: Option<&'a str>,
    error: Option<&'a str>,
    walk_in: Option<WalkInFields>,
    walk_in_error: Option<&'a FormError>,
    search: String,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    shown: Shown<'_>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let tz = state.tz;
    let at = now();
    let today = tz.local_date(at);
    let bounds = tz.day_bounds_utc(today);
    let (by, search) = (user.by(), shown.search.clone());
    let loaded = state
        .db(move |c| load(c, &by, bounds, Some(search.as_str())))
        .await?;
    let bookings: Vec<BookingLine> = loaded
        .bookings
        .iter()
        .map(|b| booking_line(b, &loaded, tz, at))
        .collect();
    let running: Vec<RunningLine> = loaded
        .running
        .iter()
        .map(|r| running_line(r, &loaded, tz))
        .collect();
    let sessions: Vec<SessionLine> = loaded
        .sessions
        .iter()
        .map(|s| session_line(s, tz, at))
        .collect();
    let machines = machine_choices(&loaded.machines);
    let walk_in = shown.walk_in.unwrap_or_default();
    let day = today.format("%A %d %B %Y").to_string();
    let data = TodayPage {
        day: &day,
        bookings: &bookings,
        running: &running,
        sessions: &sessions,
        machines: &machines,
        customers: &loaded.customers,
        search: &shown.search,
        walk_in: &walk_in,
        tz: tz.name(),
        notice: shown.notice,
        error: shown.error,
        walk_in_error: shown.walk_in_error,
    };
    Ok(html(status, view::page(&chrome(Some(user), csrf), &data)))
}

pub async fn show(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        notice: notice_for(query.done.as_deref()),
        search: query.q.clone().unwrap_or_default(),
        ..Shown::default()
    };
    render(&state, &user, &csrf, shown, StatusCode::OK).await
}

/// After a click: back to the board with `code`, or the board with the refusal.
async fn answer<T>(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    outcome: Result<T, AppError>,
    code: &str,
) -> Result<HttpResponse, AppError> {
    match outcome {
        Ok(_) => Ok(see_other(&format!("{BOARD}?done={code}"))),
        Err(error) => {
            let (status, message) = refusal(error)?;
            let shown = Shown {
                error: Some(&message),
                ..Shown::default()
            };
            render(state, user, csrf, shown, status).await
        }
    }
}

pub async fn check_in(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), BookingId::new(path.into_inner()));
    let outcome = state.db(move |c| usage::check_in(c, &by, id)).await;
    answer(&state, &user, &csrf, outcome, "checked-in").await
}

pub async fn check_out(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), UsageId::new(path.into_inner()));
    let outcome = state
        .with_context(move |c, ctx| usage::check_out(c, ctx, &by, id))
        .await;
    answer(&state, &user, &csrf, outcome, "checked-out").await
}

pub async fn no_show(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), BookingId::new(path.into_inner()));
    let outcome = state
        .with_context(move |c, ctx| usage::mark_no_show(c, ctx, &by, id))
        .await;
    answer(&state, &user, &csrf, outcome, "no-show").await
}

#[derive(Deserialize)]
pub struct WalkInForm {
    #[serde(default)]
    machine_id: String,
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    note: String,
}

impl WalkInForm {
    fn fields(&self) -> WalkInFields {
        WalkInFields {
            machine_id: self.machine_id.clone(),
            customer_id: self.customer_id.clone(),
            note: self.note.clone(),
        }
    }

    fn parse(&self) -> Result<(ResourceId, CustomerId), FormError> {
        let machine = required("machine_id", &self.machine_id, "Choose a machine.")?;
        let customer = required("customer_id", &self.customer_id, "Choose a customer.")?;
        Ok((ResourceId::new(machine), CustomerId::new(customer)))
    }
}

pub async fn walk_in(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<WalkInForm>,
) -> Result<HttpResponse, AppError> {
    let (status, error) = match form.parse() {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok((machine, customer)) => {
            let (by, note) = (user.by(), form.note.clone());
            let outcome = state
                .with_context(move |c, ctx| {
                    let new = NewUsage {
                        resource_id: machine,
                        customer_id: customer,
                        user_id: sole_user(c, &by, customer)?,
                        booking_id: None,
                        started_at: now(),
                        ended_at: None,
                        source: UsageSource::FrontDesk,
                        note,
                    };
                    usage::enter(c, ctx, &by, &new)
                })
                .await;
            match outcome {
                Ok(_) => return Ok(see_other(&format!("{BOARD}?done=walk-in"))),
                Err(error) => form_refusal(error)?,
            }
        }
    };
    let shown = Shown {
        walk_in: Some(form.fields()),
        walk_in_error: Some(&error),
        ..Shown::default()
    };
    render(&state, &user, &csrf, shown, status).await
}
