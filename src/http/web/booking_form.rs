//! The booking form: book machine time (`/bookings/new`) or move a booking
//! (`/bookings/{id}/move`) by local date, start and end. Every refusal — a time the clocks skip,
//! a broken rule (422), a missing qualification (403), a taken slot (409) — is shown on the form
//! with its status, and nothing is booked.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveTime, Timelike, Utc};
use serde::Deserialize;

use super::staff::sentence;
use super::wall_clock::{end_instant, hh_mm, instant, minute_label, parse_date, parse_time};
use super::{chrome, form_refusal, html, see_other};
use crate::domain::resources::{Resource, ResourceKind};
use crate::domain::{BookingId, Email, ResourceId, WorkshopTz};
use crate::http::auth::CurrentUser;
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::{AppError, AppState};
use crate::services::bookings::{self, Booking, NewBooking};
use crate::services::{accounts, now, resources, ServiceError};
use crate::views::pages::bookings::{self as view, BookingFields, BookingFormPage, FormTarget};
use crate::views::pages::machines::{billing_in_words, rules_in_words};
use crate::views::pages::staff::FormError;

/// A form opened from a free slot of a machine's week.
#[derive(Deserialize)]
pub struct Prefill {
    resource_id: Option<String>,
    date: Option<String>,
    start: Option<String>,
}

/// The fields as posted; all text, so a half-filled form comes back with a message, not a 400.
#[derive(Deserialize)]
pub struct BookingForm {
    #[serde(default)]
    resource_id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    user_email: String,
}

impl BookingForm {
    fn fields(&self) -> BookingFields {
        BookingFields {
            resource_id: self.resource_id.clone(),
            date: self.date.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            note: self.note.clone(),
            user_email: self.user_email.clone(),
        }
    }

    /// The interval typed, as instants; the first wrong field otherwise.
    fn interval(&self, tz: WorkshopTz) -> Result<(DateTime<Utc>, DateTime<Utc>), FormError> {
        let on = |field: &'static str| move |message: String| FormError::on(field, message);
        let date = parse_date(&self.date, "The date").map_err(on("date"))?;
        let start = parse_time(&self.start, "The start").map_err(on("start"))?;
        let end = parse_time(&self.end, "The end").map_err(on("end"))?;
        Ok((
            instant(tz, date, start).map_err(on("start"))?,
            end_instant(tz, date, start, end).map_err(on("end"))?,
        ))
    }

    fn resource(&self) -> Result<ResourceId, FormError> {
        self.resource_id
            .trim()
            .parse()
            .map_err(|_| FormError::on("resource_id", "Choose a machine."))
    }

    /// Staff may name the person the booking is for.
    fn for_user(&self, user: &CurrentUser) -> Result<Option<Email>, FormError> {
        match self.user_email.trim() {
            "" => Ok(None),
            _ if !user.user.role.is_staff() => Ok(None),
            typed => Email::parse(typed)
                .map(Some)
                .map_err(|e| FormError::on("user_email", sentence(&e.0))),
        }
    }
}

/// Default length for a form opened from a slot: an hour, within the machine's limits.
fn default_end(start: NaiveTime, machine: &Resource) -> String {
    let rules = &machine.rules;
    let length = 60.clamp(rules.min_minutes, rules.max_minutes.max(rules.min_minutes));
    let minute = i64::from(start.hour() * 60 + start.minute()) + length;
    minute_label(minute.min(1440))
}

fn rules_of(machine: &Resource) -> Vec<String> {
    let mut rules = rules_in_words(&machine.rules);
    rules.push(billing_in_words(machine));
    rules
}

async fn machines(state: &AppState) -> Result<Vec<Resource>, AppError> {
    let all = state.db(resources::resources).await?;
    Ok(all
        .into_iter()
        .filter(|m| m.kind == ResourceKind::Machine)
        .collect())
}

fn render_new(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    machines: &[Resource],
    fields: &BookingFields,
    error: Option<&FormError>,
    status: StatusCode,
) -> HttpResponse {
    let options: Vec<(String, String)> = machines
        .iter()
        .map(|m| (m.id.to_string(), m.name.clone()))
        .collect();
    let chosen = machines
        .iter()
        .find(|m| m.id.to_string() == fields.resource_id.trim());
    let rules = chosen.map(rules_of).unwrap_or_default();
    let data = BookingFormPage {
        target: FormTarget::New { machines: &options },
        fields,
        for_someone: user.user.role.is_staff(),
        rules: &rules,
        week: chosen.map(|m| format!("/machines/{}", m.id)),
        tz: state.tz.name(),
        error,
    };
    html(status, view::form(&chrome(Some(user), csrf), &data))
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    query: web::Query<Prefill>,
) -> Result<HttpResponse, AppError> {
    let machines = machines(&state).await?;
    let prefill = query.into_inner();
    let mut fields = BookingFields {
        resource_id: prefill.resource_id.unwrap_or_default(),
        date: prefill
            .date
            .unwrap_or_else(|| state.tz.local_date(now()).to_string()),
        start: prefill.start.unwrap_or_default(),
        ..BookingFields::default()
    };
    let chosen = machines
        .iter()
        .find(|m| m.id.to_string() == fields.resource_id.trim());
    if let (Some(machine), Ok(start)) = (chosen, parse_time(&fields.start, "The start")) {
        fields.end = default_end(start, machine);
    }
    Ok(render_new(
        &state,
        &user,
        &csrf,
        &machines,
        &fields,
        None,
        StatusCode::OK,
    ))
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<BookingForm>,
) -> Result<HttpResponse, AppError> {
    let parsed = form.resource().and_then(|resource| {
        let (starts_at, ends_at) = form.interval(state.tz)?;
        Ok((resource, starts_at, ends_at, form.for_user(&user)?))
    });
    let (status, error) = match parsed {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok((resource_id, starts_at, ends_at, email)) => {
            let (by, note) = (user.by(), form.note.clone());
            let outcome = state
                .with_context(move |c, ctx| {
                    let user_id = match &email {
                        None => None,
                        Some(email) => Some(
                            accounts::user_by_email(c, email)?
                                .ok_or_else(|| {
                                    ServiceError::Invalid(format!(
                                        "There is no user with the email {email}."
                                    ))
                                })?
                                .id,
                        ),
                    };
                    let new = NewBooking {
                        resource_id,
                        starts_at,
                        ends_at,
                        customer_id: None,
                        user_id,
                        note,
                        with_tutor: None,
                    };
                    bookings::create(c, ctx, &by, &new)
                })
                .await;
            match outcome {
                Ok(_) => return Ok(see_other("/bookings?done=booked")),
                Err(error) => form_refusal(error)?,
            }
        }
    };
    let machines = machines(&state).await?;
    let fields = form.fields();
    Ok(render_new(
        &state,
        &user,
        &csrf,
        &machines,
        &fields,
        Some(&error),
        status,
    ))
}

/// The booking if the caller may see it (anyone else's is not found), with its machine.
async fn booking_and_machine(
    state: &AppState,
    user: &CurrentUser,
    id: BookingId,
) -> Result<(Booking, Resource), AppError> {
    let by = user.by();
    state
        .db(move |c| -> Result<_, ServiceError> {
            let booking = bookings::get(c, &by, id)?;
            let machine = resources::resource(c, booking.resource_id)?;
            Ok((booking, machine))
        })
        .await
}

fn render_move(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    (booking, machine): &(Booking, Resource),
    fields: &BookingFields,
    error: Option<&FormError>,
    status: StatusCode,
) -> HttpResponse {
    let when = bookings::when(state.tz, booking.starts_at, booking.ends_at);
    let rules = rules_of(machine);
    let data = BookingFormPage {
        target: FormTarget::Move {
            booking_id: booking.id.get(),
            machine: &machine.name,
            when: &when,
        },
        fields,
        for_someone: false,
        rules: &rules,
        week: Some(format!("/machines/{}", machine.id)),
        tz: state.tz.name(),
        error,
    };
    html(status, view::form(&chrome(Some(user), csrf), &data))
}

pub async fn move_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let loaded = booking_and_machine(&state, &user, BookingId::new(path.into_inner())).await?;
    let (start, end) = (
        state.tz.to_local(loaded.0.starts_at),
        state.tz.to_local(loaded.0.ends_at),
    );
    let fields = BookingFields {
        date: start.date_naive().to_string(),
        start: hh_mm(start.time()),
        end: hh_mm(end.time()),
        ..BookingFields::default()
    };
    Ok(render_move(
        &state,
        &user,
        &csrf,
        &loaded,
        &fields,
        None,
        StatusCode::OK,
    ))
}

pub async fn move_booking(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<BookingForm>,
) -> Result<HttpResponse, AppError> {
    let id = BookingId::new(path.into_inner());
    // Looked up first, so someone else's booking is not found whatever was typed.
    let loaded = booking_and_machine(&state, &user, id).await?;
    let (status, error) = match form.interval(state.tz) {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok((start, end)) => {
            let by = user.by();
            let outcome = state
                .with_context(move |c, ctx| bookings::reschedule(c, ctx, &by, id, start, end))
                .await;
            match outcome {
                Ok(_) => return Ok(see_other("/bookings?done=moved")),
                Err(error) => form_refusal(error)?,
            }
        }
    };
    Ok(render_move(
        &state,
        &user,
        &csrf,
        &loaded,
        &form.fields(),
        Some(&error),
        status,
    ))
}
