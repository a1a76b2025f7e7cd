//! Staff: the mail outbox, a page of 100 at a time, filtered by status and by text in the
//! recipient or subject; a failed message can be resent.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::sentence;
use crate::domain::{OutboxId, WorkshopTz};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::{chrome, html, see_other};
use crate::http::{AppError, AppState};
use crate::mail::{OutboxEntry, OutboxFilter, OutboxStatus};
use crate::services::outbox;
use crate::views::format::local_minute;
use crate::views::pages::staff::outbox::{self as view, OutboxLine, OutboxPage};

const PAGE: usize = 100;

/// The filter as typed: text, so that a wrong value is answered on the page rather than as a 400.
#[derive(Default, Deserialize)]
pub struct OutboxQuery {
    status: Option<String>,
    q: Option<String>,
    before: Option<String>,
    done: Option<String>,
}

fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl OutboxQuery {
    fn parse(&self) -> Result<OutboxFilter, String> {
        let status = text(&self.status)
            .map(|s| match s.as_str() {
                "pending" => Ok(OutboxStatus::Pending),
                "sent" => Ok(OutboxStatus::Sent),
                "failed" => Ok(OutboxStatus::Failed),
                other => Err(format!(
                    "'{other}' is not a status; use pending, sent or failed."
                )),
            })
            .transpose()?;
        let before = text(&self.before)
            .map(|id| id.parse::<OutboxId>().map_err(|e| sentence(&e.to_string())))
            .transpose()?;
        Ok(OutboxFilter {
            status,
            search: text(&self.q),
            before,
            // One more than a page: its presence says there is an older page.
            limit: Some(PAGE as i64 + 1),
            ..OutboxFilter::default()
        })
    }
}

/// Confirmations after a redirect, by code, so no text from the URL reaches the page.
fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "resent" => Some("The message is queued again and will be sent shortly."),
        _ => None,
    }
}

pub async fn list(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let notice = notice_for(query.done.as_deref());
    render(&state, &user, &csrf, &query, notice, None).await
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    query: &OutboxQuery,
    notice: Option<&str>,
    refused: Option<(StatusCode, &str)>,
) -> Result<HttpResponse, AppError> {
    let typed_status = query.status.clone().unwrap_or_default();
    let typed_search = query.q.clone().unwrap_or_default();
    let mut data = OutboxPage {
        status: &typed_status,
        search: &typed_search,
        lines: &[],
        older: None,
        notice,
        error: refused.map(|(_, message)| message),
    };
    let filter = match query.parse() {
        Ok(filter) => filter,
        Err(message) => {
            data.error = Some(&message);
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                view::page(&chrome(Some(user), csrf), &data),
            ));
        }
    };
    let (by, wanted) = (user.by(), filter.clone());
    let mut entries = state.db(move |c| outbox::list(c, &by, &wanted)).await?;
    let older = (entries.len() > PAGE).then(|| older_href(&filter, entries[PAGE - 1].id));
    entries.truncate(PAGE);
    let lines: Vec<OutboxLine> = entries.into_iter().map(|e| line(e, state.tz)).collect();
    data.lines = &lines;
    data.older = older.as_deref();
    let status = refused.map_or(StatusCode::OK, |(status, _)| status);
    Ok(html(status, view::page(&chrome(Some(user), csrf), &data)))
}

/// The next page keeps the filter and starts below the oldest message shown.
fn older_href(filter: &OutboxFilter, last_shown: OutboxId) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(status) = filter.status {
        pairs.push(("status", status.to_string()));
    }
    if let Some(search) = &filter.search {
        pairs.push(("q", search.clone()));
    }
    pairs.push(("before", last_shown.to_string()));
    format!(
        "/staff/outbox?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

fn line(entry: OutboxEntry, tz: WorkshopTz) -> OutboxLine {
    let retry_at = (entry.status == OutboxStatus::Pending && entry.attempts > 0)
        .then(|| local_minute(entry.next_attempt_at.and_utc(), tz));
    OutboxLine {
        id: entry.id.get(),
        status: entry.status,
        recipient: entry.recipient,
        subject: entry.subject,
        attempts: entry.attempts,
        last_error: entry.last_error,
        created: local_minute(entry.created_at.and_utc(), tz),
        sent: entry.sent_at.map(|at| local_minute(at.and_utc(), tz)),
        retry_at,
    }
}

pub async fn resend(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), OutboxId::new(path.into_inner()));
    let resent = state
        .db_sending_mail(move |c| outbox::resend(c, &by, id))
        .await;
    match resent {
        Ok(_) => Ok(see_other("/staff/outbox?done=resent")),
        // Someone resent it a moment ago: show the list as it is now, with the reason.
        Err(AppError::Conflict(message)) => {
            let refused = Some((StatusCode::CONFLICT, message.as_str()));
            render(&state, &user, &csrf, &OutboxQuery::default(), None, refused).await
        }
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(status: &str, q: &str, before: &str) -> OutboxQuery {
        OutboxQuery {
            status: Some(status.into()),
            q: Some(q.into()),
            before: Some(before.into()),
            done: None,
        }
    }

    #[test]
    fn the_filter_is_checked_and_the_older_page_keeps_it() {
        let filter = query("failed", " ana ", "").parse().expect("valid");
        assert_eq!(filter.status, Some(OutboxStatus::Failed));
        assert_eq!(filter.search.as_deref(), Some("ana"));
        assert_eq!(filter.before, None);
        assert_eq!(
            older_href(&filter, OutboxId::new(42)),
            "/staff/outbox?status=failed&q=ana&before=42"
        );
        assert!(query("lost", "", "").parse().is_err());
        assert!(query("", "", "x").parse().is_err());
        let everything = query("", "", "").parse().expect("valid");
        assert_eq!((everything.status, everything.search), (None, None));
    }
}
