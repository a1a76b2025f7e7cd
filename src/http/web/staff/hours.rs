//! Staff: opening hours per weekday, typed as text intervals, and workshop closures.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveTime, Timelike};
use serde::Deserialize;

use super::Flash;
use crate::domain::booking::{Closure, WeeklyHours, WEEKDAYS};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::wall_clock::parse_date;
use crate::http::web::{chrome, html, see_other};
use crate::http::{AppError, AppState};
use crate::services::{now, resources, ServiceError};
use crate::views::pages::staff::hours::{self as view, ClosureFields, HoursPage, DAY_FIELDS};
use crate::views::pages::staff::FormError;

/// Closures listed: from a month back to two years ahead.
const CLOSURES_BACK_DAYS: i64 = 31;
const CLOSURES_AHEAD_DAYS: i64 = 730;

fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "hours" => Some("The opening hours were saved."),
        "closure" => Some("The closure was added; nothing can be booked on those days."),
        _ => None,
    }
}

/// `HH:MM` as minutes after midnight; `24:00` is the midnight that ends the day.
fn minute(text: &str) -> Option<u16> {
    let text = text.trim();
    if text == "24:00" {
        return Some(1440);
    }
    let time = NaiveTime::parse_from_str(text, "%H:%M").ok()?;
    u16::try_from(time.hour() * 60 + time.minute()).ok()
}

/// One weekday's hours from text such as `09:00-14:00, 16:00-20:00` (empty: closed).
fn parse_day(text: &str, weekday: &str) -> Result<Vec<(u16, u16)>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("closed") {
        return Ok(Vec::new());
    }
    let mut intervals = text
        .split(',')
        .map(|part| {
            let part = part.trim();
            part.split_once(['-', '–'])
                .and_then(|(opens, closes)| Some((minute(opens)?, minute(closes)?)))
                .filter(|(opens, closes)| opens < closes)
                .ok_or_else(|| {
                    format!(
                        "{weekday}: '{part}' is not an opening interval; write it like 09:00-14:00."
                    )
                })
        })
        .collect::<Result<Vec<_>, String>>()?;
    intervals.sort_unstable();
    if intervals.windows(2).any(|pair| pair[1].0 < pair[0].1) {
        return Err(format!("{weekday}: the intervals overlap."));
    }
    Ok(intervals)
}

/// `09:00-14:00, 16:00-20:00`, as the form shows a day.
fn day_text(intervals: &[(u16, u16)]) -> String {
    let at = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    intervals
        .iter()
        .map(|(o, c)| format!("{}-{}", at(*o), at(*c)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Deserialize)]
pub struct HoursForm {
    #[serde(default)]
    day0: String,
    #[serde(default)]
    day1: String,
    #[serde(default)]
    day2: String,
    #[serde(default)]
    day3: String,
    #[serde(default)]
    day4: String,
    #[serde(default)]
    day5: String,
    #[serde(default)]
    day6: String,
}

impl HoursForm {
    fn days(&self) -> [String; 7] {
        [
            &self.day0, &self.day1, &self.day2, &self.day3, &self.day4, &self.day5, &self.day6,
        ]
        .map(|d| d.trim().to_string())
    }

    fn parse(&self) -> Result<WeeklyHours, FormError> {
        let mut hours = WeeklyHours::default();
        for (n, text) in self.days().iter().enumerate() {
            hours.days[n] =
                parse_day(text, WEEKDAYS[n]).map_err(|m| FormError::on(DAY_FIELDS[n], m))?;
        }
        if hours.days.iter().all(Vec::is_empty) {
            // No hours at all is how the workshop says "open all day, every day".
            return Err(FormError::general(
                "Give at least one day opening hours: with none, the workshop counts as open all \
                 day, every day.",
            ));
        }
        Ok(hours)
    }
}

#[derive(Deserialize)]
pub struct ClosureForm {
    #[serde(default)]
    first_day: String,
    #[serde(default)]
    last_day: String,
    #[serde(default)]
    reason: String,
}

impl ClosureForm {
    fn parse(&self) -> Result<Closure, FormError> {
        let on = |field: &'static str| move |message: String| FormError::on(field, message);
        let first_day = parse_date(&self.first_day, "First day").map_err(on("first_day"))?;
        let last_day = match self.last_day.trim() {
            "" => first_day,
            typed => parse_date(typed, "Last day").map_err(on("last_day"))?,
        };
        if self.reason.trim().is_empty() {
            return Err(FormError::on("reason", "Say why the workshop is closed."));
        }
        Ok(Closure {
            first_day,
            last_day,
            reason: self.reason.trim().to_string(),
        })
    }

    fn fields(&self) -> ClosureFields {
        ClosureFields {
            first_day: self.first_day.clone(),
            last_day: self.last_day.clone(),
            reason: self.reason.clone(),
        }
    }
}

/// The page as shown: stored hours, or what was typed with its problem.
#[derive(Default)]
struct Shown<'a> {
    days: Option<[String; 7]>,
    closure: Option<ClosureFields>,
    notice: Option<&'a str>,
    hours_error: Option<&'a FormError>,
    closure_error: Option<&'a FormError>,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    shown: Shown<'_>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let today = state.tz.local_date(now());
    let (from, to) = (
        today - Duration::days(CLOSURES_BACK_DAYS),
        today + Duration::days(CLOSURES_AHEAD_DAYS),
    );
    let (hours, closures) = state
        .db(move |c| -> Result<_, ServiceError> {
            Ok((
                resources::weekly_hours(c)?,
                resources::closures(c, from, to)?,
            ))
        })
        .await?;
    let days = shown
        .days
        .unwrap_or_else(|| hours.days.each_ref().map(|d| day_text(d)));
    let closure = shown.closure.unwrap_or_default();
    let data = HoursPage {
        days: &days,
        closures: &closures,
        closure: &closure,
        notice: shown.notice,
        hours_error: shown.hours_error,
        closure_error: shown.closure_error,
    };
    Ok(html(status, view::page(&chrome(Some(user), csrf), &data)))
}

pub async fn show(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        notice: notice_for(flash.done.as_deref()),
        ..Shown::default()
    };
    render(&state, &user, &csrf, shown, StatusCode::OK).await
}

pub async fn save_hours(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<HoursForm>,
) -> Result<HttpResponse, AppError> {
    let error = match form.parse() {
        Err(error) => error,
        Ok(hours) => {
            let by = user.by();
            match state
                .db(move |c| resources::set_weekly_hours(c, &by, &hours))
                .await
            {
                Ok(()) => return Ok(see_other("/staff/hours?done=hours")),
                Err(AppError::Unprocessable(message)) => FormError::general(message),
                Err(other) => return Err(other),
            }
        }
    };
    let shown = Shown {
        days: Some(form.days()),
        hours_error: Some(&error),
        ..Shown::default()
    };
    render(
        &state,
        &user,
        &csrf,
        shown,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn add_closure(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<ClosureForm>,
) -> Result<HttpResponse, AppError> {
    let error = match form.parse() {
        Err(error) => error,
        Ok(closure) => {
            let by = user.by();
            match state
                .db(move |c| resources::add_closure(c, &by, &closure))
                .await
            {
                Ok(()) => return Ok(see_other("/staff/hours?done=closure")),
                Err(AppError::Unprocessable(message)) => FormError::general(message),
                Err(other) => return Err(other),
            }
        }
    };
    let shown = Shown {
        closure: Some(form.fields()),
        closure_error: Some(&error),
        ..Shown::default()
    };
    render(
        &state,
        &user,
        &csrf,
        shown,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_read_from_text_and_written_back() {
        assert_eq!(
            parse_day("09:00-14:00, 16:00–24:00", "Monday"),
            Ok(vec![(540, 840), (960, 1440)])
        );
        assert_eq!(parse_day("", "Sunday"), Ok(vec![]));
        assert_eq!(
            day_text(&[(540, 840), (960, 1440)]),
            "09:00-14:00, 16:00-24:00"
        );
        assert!(parse_day("9-14", "Monday").is_err_and(|m| m.starts_with("Monday: '9-14'")));
        assert!(parse_day("14:00-09:00", "Monday").is_err());
        assert_eq!(
            parse_day("09:00-14:00, 13:00-15:00", "Friday"),
            Err("Friday: the intervals overlap.".to_string())
        );
    }
}
