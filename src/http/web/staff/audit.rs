//! Staff: the audit log, newest first, a page of 100 at a time, optionally for one object.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

use super::sentence;
use crate::domain::{AuditId, WorkshopTz};
use crate::http::auth::Staff;
use crate::http::csrf::CsrfToken;
use crate::http::web::{chrome, html};
use crate::http::{AppError, AppState};
use crate::services::audit::{self, AuditEntry, Query};
use crate::views::format::local_minute;
use crate::views::pages::staff::audit::{self as view, AuditLine, AuditPage, ChangeLine};

const PAGE: usize = 100;

/// The filter as typed: text, so that a wrong id is answered on the page rather than as a 400.
#[derive(Deserialize)]
pub struct AuditQuery {
    object_type: Option<String>,
    object_id: Option<String>,
    before: Option<String>,
}

/// The filter, checked.
#[derive(Clone)]
struct Filter {
    object_type: Option<String>,
    object_id: Option<i64>,
    before: Option<AuditId>,
}

impl Filter {
    fn as_query(&self) -> Query<'_> {
        Query {
            object_type: self.object_type.as_deref(),
            object_id: self.object_id,
            before: self.before,
            // One more than a page: its presence says there is an older page.
            limit: PAGE as i64 + 1,
        }
    }
}

impl AuditQuery {
    fn parse(&self) -> Result<Filter, String> {
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let object_id = text(&self.object_id)
            .map(|id| {
                id.parse::<i64>()
                    .map_err(|_| format!("'{id}' is not an object id; ids are whole numbers."))
            })
            .transpose()?;
        let before = text(&self.before)
            .map(|id| id.parse::<AuditId>().map_err(|e| sentence(&e.to_string())))
            .transpose()?;
        Ok(Filter {
            object_type: text(&self.object_type),
            object_id,
            before,
        })
    }
}

pub async fn list(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let typed_type = query.object_type.clone().unwrap_or_default();
    let typed_id = query.object_id.clone().unwrap_or_default();
    let mut data = AuditPage {
        object_type: &typed_type,
        object_id: &typed_id,
        lines: &[],
        older: None,
        error: None,
    };
    let filter = match query.parse() {
        Ok(filter) => filter,
        Err(message) => {
            data.error = Some(&message);
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                view::page(&chrome(Some(&user), &csrf), &data),
            ));
        }
    };
    let (by, wanted) = (user.by(), filter.clone());
    let mut entries = state
        .db(move |c| audit::list(c, &by, &wanted.as_query()))
        .await?;
    let older = (entries.len() > PAGE).then(|| older_href(&filter, entries[PAGE - 1].id));
    entries.truncate(PAGE);
    let lines: Vec<AuditLine> = entries.into_iter().map(|e| line(e, state.tz)).collect();
    data.lines = &lines;
    data.older = older.as_deref();
    Ok(html(
        StatusCode::OK,
        view::page(&chrome(Some(&user), &csrf), &data),
    ))
}

/// The next page keeps the filter and starts below the oldest entry shown.
fn older_href(filter: &Filter, last_shown: AuditId) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(kind) = &filter.object_type {
        pairs.push(("object_type", kind.clone()));
    }
    if let Some(id) = filter.object_id {
        pairs.push(("object_id", id.to_string()));
    }
    pairs.push(("before", last_shown.to_string()));
    format!(
        "/staff/audit?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

fn line(entry: AuditEntry, tz: WorkshopTz) -> AuditLine {
    AuditLine {
        at: local_minute(entry.at, tz),
        actor: entry.actor,
        actor_user_id: entry.actor_user_id.map(|id| id.get()),
        action: entry.action,
        object_type: entry.object_type,
        object_id: entry.object_id,
        changes: change_lines(&entry.changes),
    }
}

/// `{"field": {"old": …, "new": …}, …}` as the service records it, one line per field.
fn change_lines(changes: &Value) -> Vec<ChangeLine> {
    let Some(fields) = changes.as_object() else {
        return Vec::new();
    };
    fields
        .iter()
        .map(|(field, change)| ChangeLine {
            field: field.clone(),
            old: shown(&change["old"]),
            new: shown(&change["new"]),
        })
        .collect()
}

fn shown(value: &Value) -> String {
    match value {
        Value::Null => "—".into(),
        Value::String(text) if text.is_empty() => "(empty)".into(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_old_and_new_text() {
        let changes = serde_json::json!({
            "active": { "old": true, "new": false },
            "role": { "old": "member", "new": "tutor" },
            "tax_id": { "old": null, "new": "" },
        });
        let lines: Vec<(String, String, String)> = change_lines(&changes)
            .into_iter()
            .map(|l| (l.field, l.old, l.new))
            .collect();
        assert_eq!(
            lines,
            [
                ("active".into(), "true".into(), "false".into()),
                ("role".into(), "member".into(), "tutor".into()),
                ("tax_id".into(), "—".into(), "(empty)".into()),
            ]
        );
        assert!(change_lines(&Value::Null).is_empty());
    }

    #[test]
    fn the_older_page_keeps_the_filter() {
        let filter = Filter {
            object_type: Some("user".into()),
            object_id: Some(7),
            before: None,
        };
        assert_eq!(
            older_href(&filter, AuditId::new(42)),
            "/staff/audit?object_type=user&object_id=7&before=42"
        );
    }
}
