//! "My usage" for anyone signed in: their usage records of a month (a business admin's: the
//! business's) and the month's charges so far with the total; `?month=YYYY-MM` picks the month.
//! Also how usage reads on every usage screen (durations, sources).
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::resources::Resource;
use crate::domain::usage::{elapsed_minutes, UsageSource};
use crate::domain::{LocalMonth, Role, User, UserId, WorkshopTz};
use crate::http::auth::CurrentUser;
use crate::http::csrf::CsrfToken;
use crate::http::web::bookings::euros;
use crate::http::web::staff::sentence;
use crate::http::web::{chrome, html};
use crate::http::{AppError, AppState};
use crate::services::usage::{self, MonthCharges, UsageQuery, UsageRecord};
use crate::services::{accounts, now, resources, ServiceError};
use crate::views::format::local_minute;
use crate::views::pages::usage::{self as view, ChargeLine, Charges, MyUsagePage, UsageLine};

/// How long a use lasted, as "1 h 05 min"; "running" while open.
pub(super) fn duration(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> String {
    let Some(end) = end else {
        return "running".into();
    };
    match elapsed_minutes(start, end) {
        minutes if minutes < 60 => format!("{minutes} min"),
        minutes => format!("{} h {:02} min", minutes / 60, minutes % 60),
    }
}

/// Where a record came from, in words.
pub(super) fn source_label(source: UsageSource) -> &'static str {
    match source {
        UsageSource::Booking => "booking",
        UsageSource::FrontDesk => "front desk",
        UsageSource::Device => "machine",
        UsageSource::Staff => "staff entry",
    }
}

/// A record's end as listed: its local time, or that it is still running.
pub(super) fn end_label(record: &UsageRecord, tz: WorkshopTz) -> String {
    match record.ended_at {
        Some(end) => local_minute(end, tz),
        None if record.status == "open" => "running".into(),
        None => "—".into(),
    }
}

/// The name of a machine among `machines`.
pub(super) fn machine_name(machines: &[Resource], id: crate::domain::ResourceId) -> String {
    machines
        .iter()
        .find(|m| m.id == id)
        .map_or_else(|| format!("Machine {id}"), |m| m.name.clone())
}

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

/// What the page shows of a month.
struct Loaded {
    records: Vec<UsageRecord>,
    machines: Vec<Resource>,
    people: Vec<User>,
    charges: Result<MonthCharges, String>,
}

fn load(
    c: &mut crate::db::DbConn,
    by: &crate::services::By,
    month: LocalMonth,
    tz: WorkshopTz,
) -> Result<Loaded, ServiceError> {
    let (from, to) = month.bounds_utc(&tz);
    let query = UsageQuery {
        from: Some(from),
        to: Some(to),
        ..UsageQuery::default()
    };
    // The list also holds records still open from earlier months; a month shows what began in it.
    let records: Vec<UsageRecord> = usage::list(c, by, &query)?
        .into_iter()
        .filter(|r| r.started_at >= from)
        .collect();
    let ids: Vec<UserId> = records.iter().filter_map(|r| r.user_id).collect();
    let charges = match usage::month_charges(c, by, None, month) {
        Ok(charges) => Ok(charges),
        // An employee's usage is theirs to see; the business's bill is its admin's.
        Err(ServiceError::Forbidden(why)) => Err(why),
        Err(other) => return Err(other),
    };
    Ok(Loaded {
        people: accounts::users_by_ids(c, by, &ids)?,
        machines: resources::resources(c)?,
        records,
        charges,
    })
}

fn usage_line(record: &UsageRecord, loaded: &Loaded, tz: WorkshopTz) -> UsageLine {
    UsageLine {
        machine: machine_name(&loaded.machines, record.resource_id),
        who: record.user_id.and_then(|id| {
            loaded
                .people
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
        }),
        start: local_minute(record.started_at, tz),
        end: end_label(record, tz),
        duration: duration(record.started_at, record.ended_at),
        status: record.status.clone(),
    }
}

/// A charge's quantity in words: minutes for time, a count otherwise.
fn quantity(kind: &str, quantity: i64) -> String {
    if matches!(kind, "usage" | "tutor") {
        format!("{quantity} min")
    } else {
        quantity.to_string()
    }
}

fn month_label(month: LocalMonth) -> String {
    month.first_day().format("%B %Y").to_string()
}

fn previous(month: LocalMonth) -> LocalMonth {
    month.first_day().pred_opt().map_or(month, LocalMonth::of)
}

pub async fn mine(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    let tz = state.tz;
    let month = match query.month.as_deref().map(str::trim) {
        None | Some("") => LocalMonth::of(tz.local_date(now())),
        Some(text) => match LocalMonth::parse(text) {
            Ok(month) => month,
            Err(e) => {
                let page = view::bad_month(&chrome(Some(&user), &csrf), &sentence(&e.to_string()));
                return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, page));
            }
        },
    };
    let by = user.by();
    let loaded = state.db(move |c| load(c, &by, month, tz)).await?;
    let records: Vec<UsageLine> = loaded
        .records
        .iter()
        .map(|r| usage_line(r, &loaded, tz))
        .collect();
    let (lines, total) = match &loaded.charges {
        Ok(month) => (
            month
                .charges
                .iter()
                .map(|c| ChargeLine {
                    date: c.date.to_string(),
                    description: c.description.clone(),
                    quantity: quantity(&c.kind, c.quantity),
                    unit_price: euros(c.unit_price),
                    amount: euros(c.amount),
                })
                .collect(),
            euros(month.total),
        ),
        Err(_) => (Vec::new(), String::new()),
    };
    let charges = match &loaded.charges {
        Ok(_) => Charges::Shown {
            lines: &lines,
            total: &total,
        },
        Err(why) => Charges::NotShown(why),
    };
    let (label, before, after) = (
        month_label(month),
        previous(month).to_string(),
        month.next().to_string(),
    );
    let data = MyUsagePage {
        month_label: &label,
        previous: &before,
        next: &after,
        records: &records,
        show_who: user.user.role == Role::BusinessAdmin,
        charges,
        tz: tz.name(),
    };
    Ok(html(
        StatusCode::OK,
        view::page(&chrome(Some(&user), &csrf), &data),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn durations_and_months_read_as_words() {
        let start = Utc::now();
        assert_eq!(
            duration(start, Some(start + Duration::minutes(45))),
            "45 min"
        );
        assert_eq!(
            duration(start, Some(start + Duration::minutes(65))),
            "1 h 05 min"
        );
        assert_eq!(duration(start, None), "running");
        let january = LocalMonth::parse("2027-01").expect("month");
        assert_eq!(previous(january).to_string(), "2026-12");
        assert_eq!(month_label(january), "January 2027");
        assert_eq!(quantity("usage", 54), "54 min");
        assert_eq!(quantity("no_show", 1), "1");
    }
}
