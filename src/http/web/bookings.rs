//! "My bookings": the caller's bookings, upcoming and recent (staff: everyone's, with whom each is
//! for), and cancelling one, with the late fee named before and after.
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::{booking_form, chrome, html, machines, see_other};
use crate::db::DbConn;
use crate::domain::booking::CancellationPolicy;
use crate::domain::{BookingId, CustomerId, Money, ResourceId, Role, UserId, WorkshopTz};
use crate::http::auth::CurrentUser;
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::{AppError, AppState};
use crate::services::bookings::{self, Booking, BookingStatus, ListQuery};
use crate::services::{accounts, now, resources, ServiceError};
use crate::views::format::local_minute;
use crate::views::pages::bookings::{self as view, BookingLine, BookingsPage, LineActions};

/// The member area's routes: machines and their weeks (public), booking, "My bookings".
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/machines", web::get().to(machines::list))
        .route("/machines/{id}", web::get().to(machines::week))
        .route("/bookings", web::get().to(list))
        .route("/bookings/new", web::get().to(booking_form::new_form))
        .route("/bookings/new", web::post().to(booking_form::create))
        .route("/bookings/{id}/cancel", web::post().to(cancel))
        .route(
            "/bookings/{id}/move",
            web::get().to(booking_form::move_form),
        )
        .route(
            "/bookings/{id}/move",
            web::post().to(booking_form::move_booking),
        );
}

/// How far back "past" bookings go.
const PAST_DAYS: i64 = 90;

/// Money as the pages show it.
pub(super) fn euros(amount: Money) -> String {
    format!("{amount} €")
}

#[derive(Deserialize)]
pub struct Flash {
    done: Option<String>,
}

/// Confirmations after a redirect, by code, so no text from the URL reaches the page.
fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "booked" => Some("Your booking is confirmed. A confirmation is on its way by email."),
        "moved" => Some("The booking was moved."),
        "cancelled" => Some("The booking was cancelled. Nothing is charged."),
        _ => None,
    }
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

/// The bookings of the page and the names to show with them.
struct Listed {
    upcoming: Vec<Booking>,
    past: Vec<Booking>,
    machines: BTreeMap<ResourceId, String>,
    people: BTreeMap<(CustomerId, UserId), String>,
}

fn load(c: &mut DbConn, user: &CurrentUser, show_who: bool) -> Result<Listed, ServiceError> {
    let (by, at) = (user.by(), now());
    let upcoming = bookings::list(
        c,
        &by,
        &ListQuery {
            from: Some(at),
            include_cancelled: true,
            ..ListQuery::default()
        },
    )?;
    let mut past = bookings::list(
        c,
        &by,
        &ListQuery {
            from: Some(at - Duration::days(PAST_DAYS)),
            to: Some(at),
            include_cancelled: true,
            ..ListQuery::default()
        },
    )?;
    past.retain(|b| b.ends_at <= at);
    past.reverse();
    let machines = resources::resources(c)?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    let mut people = BTreeMap::new();
    if show_who {
        let all: Vec<_> = upcoming.iter().chain(&past).collect();
        let customer_ids: Vec<_> = all.iter().map(|b| b.customer_id).collect();
        let user_ids: Vec<_> = all.iter().map(|b| b.user_id).collect();
        let customers = accounts::customer_names(c, &by, &customer_ids)?;
        let users = accounts::users_by_ids(c, &by, &user_ids)?;
        for b in all {
            let customer = customers.get(&b.customer_id).map_or("", String::as_str);
            if let Some(person) = users.iter().find(|u| u.id == b.user_id) {
                let label = format!("{customer} ({}, {})", person.name, person.email);
                people.insert((b.customer_id, b.user_id), label);
            }
        }
    }
    Ok(Listed {
        upcoming,
        past,
        machines,
        people,
    })
}

/// What a line needs besides the booking.
struct LineContext<'a> {
    tz: WorkshopTz,
    policy: CancellationPolicy,
    now: DateTime<Utc>,
    staff: bool,
    listed: &'a Listed,
}

impl LineContext<'_> {
    fn line(&self, b: &Booking) -> BookingLine {
        let open = b.status == BookingStatus::Confirmed && (self.staff || b.starts_at > self.now);
        let actions = open.then(|| {
            let fee = self.policy.fee(b.starts_at, self.now, b.price);
            LineActions {
                late_fee: (fee > Money::ZERO).then(|| euros(fee)),
                free_until: local_minute(
                    b.starts_at - Duration::hours(self.policy.free_until_hours),
                    self.tz,
                ),
            }
        });
        BookingLine {
            id: b.id.get(),
            machine: self
                .listed
                .machines
                .get(&b.resource_id)
                .cloned()
                .unwrap_or_else(|| format!("Machine {}", b.resource_id)),
            when: bookings::when(self.tz, b.starts_at, b.ends_at),
            price: euros(b.price),
            cancelled: b.status == BookingStatus::Cancelled,
            who: self.listed.people.get(&(b.customer_id, b.user_id)).cloned(),
            actions,
        }
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
    let staff = user.user.role.is_staff();
    let show_who = staff || user.user.role == Role::BusinessAdmin;
    let viewer = user.clone();
    let listed = state.db(move |c| load(c, &viewer, show_who)).await?;
    let context = LineContext {
        tz: state.tz,
        policy: state.settings.booking.cancellation_policy(),
        now: now(),
        staff,
        listed: &listed,
    };
    let upcoming: Vec<BookingLine> = listed.upcoming.iter().map(|b| context.line(b)).collect();
    let past: Vec<BookingLine> = listed.past.iter().map(|b| context.line(b)).collect();
    let data = BookingsPage {
        upcoming: &upcoming,
        past: &past,
        past_days: PAST_DAYS,
        show_who,
        notice,
        error,
    };
    Ok(html(status, view::list(&chrome(Some(user), csrf), &data)))
}

/// Cancels at once: the list already named the fee on the button. A late cancellation answers
/// with the page itself, saying the fee the service charged.
pub async fn cancel(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), BookingId::new(path.into_inner()));
    let outcome = state
        .with_context(move |c, ctx| bookings::cancel(c, ctx, &by, id))
        .await;
    match outcome {
        Ok(done) if done.cancellation_fee > Money::ZERO => {
            let message = format!(
                "The booking was cancelled. As it was cancelled late, a fee of {} goes on the \
                 next invoice.",
                euros(done.cancellation_fee)
            );
            render(&state, &user, &csrf, Some(&message), None, StatusCode::OK).await
        }
        Ok(_) => Ok(see_other("/bookings?done=cancelled")),
        Err(AppError::Conflict(message)) => {
            render(
                &state,
                &user,
                &csrf,
                None,
                Some(&message),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(AppError::Unprocessable(message)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, &user, &csrf, None, Some(&message), status).await
        }
        Err(other) => Err(other),
    }
}
