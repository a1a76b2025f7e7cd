//! Public: the machine list, and one machine's week as a grid of free, busy and closed slots in
//! which a free slot links to the booking form.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use maud::Markup;
use serde::Deserialize;

use super::chrome;
use super::wall_clock::{minute_label, monday_of, parse_date};
use crate::domain::booking::{Closure, WeeklyHours};
use crate::domain::resources::{Resource, ResourceKind};
use crate::domain::{Ambiguity, ResourceId, WorkshopTz};
use crate::http::auth::MaybeUser;
use crate::http::csrf::CsrfToken;
use crate::http::{AppError, AppState};
use crate::services::bookings::{self, Availability};
use crate::services::resources::{self, Category, Qualification};
use crate::services::{now, ServiceError};
use crate::views::pages::machines::{self as view, MachineCard, Slot, WeekDay, WeekPage, WeekRow};

/// Names of categories and qualifications, to show beside machines.
struct Names {
    categories: Vec<Category>,
    qualifications: Vec<Qualification>,
}

impl Names {
    fn load(c: &mut crate::db::DbConn) -> Result<Names, ServiceError> {
        Ok(Names {
            categories: resources::categories(c)?,
            qualifications: resources::qualifications(c)?,
        })
    }

    fn card<'a>(&'a self, machine: &'a Resource) -> MachineCard<'a> {
        MachineCard {
            machine,
            category: machine.category_id.and_then(|id| {
                self.categories
                    .iter()
                    .find(|c| c.id == id)
                    .map(|c| c.name.as_str())
            }),
            qualification: machine.required_qualification.and_then(|id| {
                self.qualifications
                    .iter()
                    .find(|q| q.id == id)
                    .map(|q| q.name.as_str())
            }),
        }
    }
}

pub async fn list(
    state: actix_web::web::Data<AppState>,
    user: MaybeUser,
    csrf: CsrfToken,
) -> Result<Markup, AppError> {
    let (machines, names) = state
        .db(|c| -> Result<_, ServiceError> { Ok((resources::resources(c)?, Names::load(c)?)) })
        .await?;
    let cards: Vec<MachineCard> = machines
        .iter()
        .filter(|m| m.kind == ResourceKind::Machine)
        .map(|m| names.card(m))
        .collect();
    Ok(view::list(&chrome(user.0.as_ref(), &csrf), &cards))
}

#[derive(Deserialize)]
pub struct WeekQuery {
    /// A day of the week to show (normally its Monday), local.
    week: Option<String>,
}

/// What the week page is drawn from.
struct Loaded {
    machine: Resource,
    names: Names,
    availability: Availability,
    hours: WeeklyHours,
    closures: Vec<Closure>,
}

pub async fn week(
    state: actix_web::web::Data<AppState>,
    user: MaybeUser,
    csrf: CsrfToken,
    path: actix_web::web::Path<i64>,
    query: actix_web::web::Query<WeekQuery>,
) -> Result<Markup, AppError> {
    let tz = state.tz;
    let monday = match query.week.as_deref() {
        None | Some("") => monday_of(tz.local_date(now())),
        Some(text) => monday_of(parse_date(text, "The week").map_err(AppError::Unprocessable)?),
    };
    let sunday = monday + Duration::days(6);
    let (from, to) = (tz.start_of_day(monday), tz.day_bounds_utc(sunday).1);
    let id = ResourceId::new(path.into_inner());
    let loaded = state
        .db(move |c| -> Result<_, ServiceError> {
            let machine = resources::resource(c, id)?;
            if machine.kind != ResourceKind::Machine {
                return Err(ServiceError::NotFound);
            }
            Ok(Loaded {
                availability: bookings::availability(c, tz, id, from, to)?,
                hours: resources::weekly_hours(c)?,
                closures: resources::closures(c, monday, sunday)?,
                names: Names::load(c)?,
                machine,
            })
        })
        .await?;
    let grid = Grid {
        tz,
        monday,
        machine: &loaded.machine,
        availability: &loaded.availability,
        now: now(),
    };
    let week_link = |date: NaiveDate| format!("/machines/{id}?week={date}");
    let data = WeekPage {
        card: loaded.names.card(&loaded.machine),
        week: format!(
            "{} – {}",
            monday.format("%-d %B"),
            sunday.format("%-d %B %Y")
        ),
        days: week_days(monday, &loaded.closures),
        rows: grid.rows(&loaded.hours),
        previous: week_link(monday - Duration::days(7)),
        next: week_link(monday + Duration::days(7)),
        this_week: format!("/machines/{id}"),
        tz: tz.name(),
    };
    Ok(view::week(&chrome(user.0.as_ref(), &csrf), &data))
}

fn week_days(monday: NaiveDate, closures: &[Closure]) -> Vec<WeekDay> {
    (0..7)
        .map(|n| {
            let day = monday + Duration::days(n);
            WeekDay {
                label: day.format("%a %-d %b").to_string(),
                closure: closures
                    .iter()
                    .find(|c| c.first_day <= day && day <= c.last_day)
                    .map(|c| c.reason.clone()),
            }
        })
        .collect()
}

/// One machine's week cut into its slot grid.
struct Grid<'a> {
    tz: WorkshopTz,
    monday: NaiveDate,
    machine: &'a Resource,
    availability: &'a Availability,
    now: DateTime<Utc>,
}

impl Grid<'_> {
    /// One row per slot from the earliest opening to the latest closing of the week.
    fn rows(&self, hours: &WeeklyHours) -> Vec<WeekRow> {
        let slot = self.machine.rules.slot_minutes.max(1);
        let intervals = hours.days.iter().flatten();
        let (Some(opens), Some(closes)) = (
            intervals.clone().map(|(o, _)| i64::from(*o)).min(),
            intervals.map(|(_, c)| i64::from(*c)).max(),
        ) else {
            return Vec::new();
        };
        let first = opens - opens % slot;
        let last = (closes + slot - 1) / slot * slot;
        (first..last.min(1440))
            .step_by(usize::try_from(slot).unwrap_or(30))
            .map(|minute| WeekRow {
                time: minute_label(minute),
                slots: (0..7)
                    .map(|n| self.slot(self.monday + Duration::days(n), minute))
                    .collect(),
            })
            .collect()
    }

    fn slot(&self, day: NaiveDate, minute: i64) -> Slot {
        let local = day.and_time(chrono::NaiveTime::MIN) + Duration::minutes(minute);
        let Ok(start) = self.tz.to_utc(local, Ambiguity::Earlier) else {
            return Slot::Skipped;
        };
        let rules = &self.machine.rules;
        let end = start + Duration::minutes(rules.slot_minutes);
        let overlaps = |s: DateTime<Utc>, e: DateTime<Utc>| s < end && start < e;
        if start < self.now {
            return Slot::Past;
        }
        if let Some(span) = self
            .availability
            .busy
            .iter()
            .find(|b| overlaps(b.starts_at, b.ends_at))
        {
            return match span.kind.as_deref() {
                Some("maintenance") => Slot::Maintenance,
                _ => Slot::Busy,
            };
        }
        let free = self
            .availability
            .free
            .iter()
            .any(|f| f.starts_at <= start && end <= f.ends_at);
        if !free {
            Slot::Closed
        } else if start < self.now + Duration::minutes(rules.notice_minutes) {
            Slot::TooSoon
        } else if start > self.now + Duration::days(rules.horizon_days) {
            Slot::NotYetOpen
        } else {
            let time = minute_label(minute);
            Slot::Free {
                href: format!(
                    "/bookings/new?resource_id={}&date={day}&start={time}",
                    self.machine.id
                ),
                label: format!("free, book {} from {time}", day.format("%A %-d %B")),
            }
        }
    }
}
