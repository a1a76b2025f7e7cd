//! Staff: usage records with filters (dates, machine, customer, status), the anomalies to resolve
//! (a record to correct, a lonely stop to dismiss), entering past use by hand, and one record's
//! page with its audited correction form. Refusals come back inline with their status and
//! change nothing.
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

use crate::db::DbConn;
use crate::domain::resources::{Resource, ResourceKind};
use crate::domain::usage::UsageSource;
use crate::domain::{CustomerId, ResourceId, UsageId, User, UserId, WorkshopTz};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::usage::{duration, end_label, machine_name, source_label};
use crate::http::web::wall_clock::{end_instant, hh_mm, instant, parse_date, parse_time};
use crate::http::web::{chrome, form_refusal, html, refusal, see_other};
use crate::http::{AppError, AppState};
use crate::services::audit::{self, AuditEntry};
use crate::services::usage::{self, Anomaly, NewUsage, UsageChange, UsageQuery, UsageRecord};
use crate::services::{accounts, now, resources, By, ServiceError};
use crate::views::format::local_minute;
use crate::views::pages::staff::usage::{
    self as view, AnomalyLine, Choices, CorrectionFields, EntryFields, FilterFields, HistoryLine,
    ListPage, RecordFacts, RecordLine, RecordPage,
};
use crate::views::pages::staff::FormError;

/// How many days back the list looks when no dates are given.
const DEFAULT_DAYS: i64 = 7;

fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "entered" => Some("The usage was entered and charged."),
        "dismissed" => Some("The stop was dismissed; it is no longer an anomaly."),
        "corrected" => Some("The correction was saved and is in the audit log; where the charge changed, it was reversed and written again."),
        _ => None,
    }
}

// --- Shared with the board --------------------------------------------------------------------

/// The person a customer account stands for when it has exactly one (an individual's own
/// account), so usage entered for the account shows in that person's "My usage".
pub(super) fn sole_user(
    c: &mut DbConn,
    by: &By,
    customer: CustomerId,
) -> Result<Option<UserId>, ServiceError> {
    let people = accounts::users(c, by, None, Some(customer))?;
    Ok(match people.as_slice() {
        [only] => Some(only.id),
        _ => None,
    })
}

/// `(id, name)` of the customers a form offers (those matching `search`).
pub(super) fn customer_choices(
    c: &mut DbConn,
    by: &By,
    search: Option<&str>,
) -> Result<Vec<(String, String)>, ServiceError> {
    Ok(accounts::customers(c, by, search)?
        .into_iter()
        .map(|k| (k.id.to_string(), k.legal_name))
        .collect())
}

/// `(id, name)` of every machine.
pub(super) fn machine_choices(all: &[Resource]) -> Vec<(String, String)> {
    all.iter()
        .filter(|r| r.kind == ResourceKind::Machine)
        .map(|r| (r.id.to_string(), r.name.clone()))
        .collect()
}

/// Who a record or booking is for: the account, and the person when the name differs.
pub(super) fn who(
    customer: Option<CustomerId>,
    user: Option<UserId>,
    names: &BTreeMap<CustomerId, String>,
    people: &[User],
) -> String {
    let account = customer.and_then(|id| names.get(&id).cloned());
    let person = user.and_then(|id| people.iter().find(|p| p.id == id).map(|p| p.name.clone()));
    match (account, person) {
        (Some(account), Some(person)) if account != person => format!("{person} ({account})"),
        (Some(account), _) => account,
        (None, _) if customer.is_none() => "Unknown customer".into(),
        (None, _) => "Customer account".into(),
    }
}

/// An id chosen from a list: empty is none; anything else not a number is `prompt`.
pub(super) fn chosen(
    field: &'static str,
    text: &str,
    prompt: &str,
) -> Result<Option<i64>, FormError> {
    match text.trim() {
        "" => Ok(None),
        typed => typed
            .parse()
            .map(Some)
            .map_err(|_| FormError::on(field, prompt.to_string())),
    }
}

/// Like `chosen`, where a choice is required.
pub(super) fn required(field: &'static str, text: &str, prompt: &str) -> Result<i64, FormError> {
    chosen(field, text, prompt)?.ok_or_else(|| FormError::on(field, prompt.to_string()))
}

/// The names of the accounts and people `records` belong to.
fn names_of(
    c: &mut DbConn,
    by: &By,
    customers: &[CustomerId],
    users: &[UserId],
) -> Result<(BTreeMap<CustomerId, String>, Vec<User>), ServiceError> {
    Ok((
        accounts::customer_names(c, by, customers)?,
        accounts::users_by_ids(c, by, users)?,
    ))
}

// --- The list ---------------------------------------------------------------------------------

/// The list's filter as sent: text, so that a wrong value is answered on the page.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    from: Option<String>,
    to: Option<String>,
    machine_id: Option<String>,
    customer_id: Option<String>,
    status: Option<String>,
    done: Option<String>,
}

impl ListQuery {
    /// The filter as shown: what was sent, or the last week when no dates were.
    fn fields(&self, today: NaiveDate) -> FilterFields {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        FilterFields {
            from: self
                .from
                .clone()
                .unwrap_or_else(|| (today - Duration::days(DEFAULT_DAYS)).to_string()),
            to: self.to.clone().unwrap_or_else(|| today.to_string()),
            machine_id: text(&self.machine_id),
            customer_id: text(&self.customer_id),
            status: text(&self.status),
        }
    }
}

/// The filter the fields describe; the end date is included.
fn parse_filter(fields: &FilterFields, tz: WorkshopTz) -> Result<UsageQuery, String> {
    let day = |text: &str, what: &str| -> Result<Option<NaiveDate>, String> {
        match text.trim() {
            "" => Ok(None),
            typed => parse_date(typed, what).map(Some),
        }
    };
    let from = day(&fields.from, "From")?.map(|d| tz.start_of_day(d));
    let to = day(&fields.to, "To")?.map(|d| tz.day_bounds_utc(d).1);
    let pick = |field, text: &str, prompt: &str| chosen(field, text, prompt).map_err(|e| e.message);
    let machine = pick(
        "machine_id",
        &fields.machine_id,
        "Choose a machine from the list.",
    )?;
    let customer = pick(
        "customer_id",
        &fields.customer_id,
        "Choose a customer from the list.",
    )?;
    let status = match fields.status.trim() {
        "" => None,
        s @ ("open" | "closed" | "void") => Some(s.to_string()),
        _ => return Err("Choose a status from the list.".into()),
    };
    Ok(UsageQuery {
        from,
        to,
        resource_id: machine.map(ResourceId::new),
        customer_id: customer.map(CustomerId::new),
        status,
    })
}

struct Loaded {
    records: Vec<UsageRecord>,
    anomalies: Vec<Anomaly>,
    machines: Vec<Resource>,
    names: BTreeMap<CustomerId, String>,
    people: Vec<User>,
    customers: Vec<(String, String)>,
}

fn load(c: &mut DbConn, by: &By, query: Option<&UsageQuery>) -> Result<Loaded, ServiceError> {
    let records = match query {
        Some(query) => usage::list(c, by, query)?,
        None => Vec::new(),
    };
    let customers: Vec<CustomerId> = records.iter().filter_map(|r| r.customer_id).collect();
    let users: Vec<UserId> = records.iter().filter_map(|r| r.user_id).collect();
    let (names, people) = names_of(c, by, &customers, &users)?;
    Ok(Loaded {
        anomalies: usage::anomalies(c, by)?,
        machines: resources::resources(c)?,
        customers: customer_choices(c, by, None)?,
        records,
        names,
        people,
    })
}

fn anomaly_line(anomaly: &Anomaly, machines: &[Resource], tz: WorkshopTz) -> AnomalyLine {
    let what = match anomaly.kind {
        "open_too_long" => format!(
            "Started and never stopped (open more than {} hours)",
            usage::OPEN_TOO_LONG_HOURS
        ),
        "stop_without_start" => "Stop without a start".into(),
        "no_customer" => "No customer".into(),
        other => other.replace('_', " "),
    };
    AnomalyLine {
        what,
        machine: machine_name(machines, anomaly.resource_id),
        at: local_minute(anomaly.at, tz),
        usage_id: anomaly.usage_id.map(UsageId::get),
        event: anomaly.event,
    }
}

fn record_line(record: &UsageRecord, loaded: &Loaded, tz: WorkshopTz) -> RecordLine {
    RecordLine {
        id: record.id.get(),
        machine: machine_name(&loaded.machines, record.resource_id),
        customer: who(
            record.customer_id,
            record.user_id,
            &loaded.names,
            &loaded.people,
        ),
        source: source_label(record.source),
        start: local_minute(record.started_at, tz),
        end: end_label(record, tz),
        duration: duration(record.started_at, record.ended_at),
        status: record.status.clone(),
        revision: record.revision,
    }
}

/// The list page as shown: a filter as sent, an entry as typed, and what went wrong.
#[derive(Default)]
struct Shown<'a> {
    query: ListQuery,
    entry: Option<EntryFields>,
    notice: Option<&'a str>,
    error: Option<String>,
    entry_error: Option<&'a FormError>,
}

async fn render_list(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    shown: Shown<'_>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let tz = state.tz;
    let today = tz.local_date(now());
    let filter = shown.query.fields(today);
    let parsed = parse_filter(&filter, tz);
    let (status, error) = match (&parsed, shown.error) {
        (_, Some(error)) => (status, Some(error)),
        (Err(wrong), None) => (StatusCode::UNPROCESSABLE_ENTITY, Some(wrong.clone())),
        (Ok(_), None) => (status, None),
    };
    let (by, query) = (user.by(), parsed.ok());
    let loaded = state.db(move |c| load(c, &by, query.as_ref())).await?;
    let records: Vec<RecordLine> = loaded
        .records
        .iter()
        .map(|r| record_line(r, &loaded, tz))
        .collect();
    let anomalies: Vec<AnomalyLine> = loaded
        .anomalies
        .iter()
        .map(|a| anomaly_line(a, &loaded.machines, tz))
        .collect();
    let machines = machine_choices(&loaded.machines);
    let entry = shown.entry.unwrap_or_else(|| EntryFields {
        date: today.to_string(),
        ..EntryFields::default()
    });
    let data = ListPage {
        filter: &filter,
        records: &records,
        anomalies: &anomalies,
        choices: Choices {
            machines: &machines,
            customers: &loaded.customers,
        },
        entry: &entry,
        tz: tz.name(),
        notice: shown.notice,
        error: error.as_deref(),
        entry_error: shown.entry_error,
    };
    Ok(html(status, view::list(&chrome(Some(user), csrf), &data)))
}

pub async fn list(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let notice = notice_for(query.done.as_deref());
    let shown = Shown {
        query,
        notice,
        ..Shown::default()
    };
    render_list(&state, &user, &csrf, shown, StatusCode::OK).await
}

// --- Entering past use ------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    machine_id: String,
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    note: String,
}

/// Past use as entered: which machine, whose, from when to when.
struct Entry {
    machine: ResourceId,
    customer: CustomerId,
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    note: String,
}

impl EntryForm {
    fn fields(&self) -> EntryFields {
        EntryFields {
            machine_id: self.machine_id.clone(),
            customer_id: self.customer_id.clone(),
            date: self.date.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            note: self.note.clone(),
        }
    }

    fn parse(&self, tz: WorkshopTz) -> Result<Entry, FormError> {
        let on = |field: &'static str| move |message: String| FormError::on(field, message);
        let machine = required("machine_id", &self.machine_id, "Choose a machine.")?;
        let customer = required("customer_id", &self.customer_id, "Choose a customer.")?;
        let date = parse_date(&self.date, "The date").map_err(on("date"))?;
        let start = parse_time(&self.start, "The start").map_err(on("start"))?;
        let end = parse_time(&self.end, "The end").map_err(on("end"))?;
        Ok(Entry {
            machine: ResourceId::new(machine),
            customer: CustomerId::new(customer),
            started_at: instant(tz, date, start).map_err(on("start"))?,
            ended_at: end_instant(tz, date, start, end).map_err(on("end"))?,
            note: self.note.clone(),
        })
    }
}

pub async fn enter(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<EntryForm>,
) -> Result<HttpResponse, AppError> {
    let (status, error) = match form.parse(state.tz) {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok(entry) => {
            let by = user.by();
            let outcome = state
                .with_context(move |c, ctx| {
                    let new = NewUsage {
                        resource_id: entry.machine,
                        customer_id: entry.customer,
                        user_id: sole_user(c, &by, entry.customer)?,
                        booking_id: None,
                        started_at: entry.started_at,
                        ended_at: Some(entry.ended_at),
                        source: UsageSource::Staff,
                        note: entry.note,
                    };
                    usage::enter(c, ctx, &by, &new)
                })
                .await;
            match outcome {
                Ok(_) => return Ok(see_other("/staff/usage?done=entered")),
                Err(error) => form_refusal(error)?,
            }
        }
    };
    let shown = Shown {
        entry: Some(form.fields()),
        entry_error: Some(&error),
        ..Shown::default()
    };
    render_list(&state, &user, &csrf, shown, status).await
}

pub async fn dismiss(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), path.into_inner());
    match state.db(move |c| usage::dismiss_event(c, &by, id)).await {
        Ok(()) => Ok(see_other("/staff/usage?done=dismissed#anomalies")),
        Err(error) => {
            let (status, message) = refusal(error)?;
            let shown = Shown {
                error: Some(message),
                ..Shown::default()
            };
            render_list(&state, &user, &csrf, shown, status).await
        }
    }
}

// --- One record -------------------------------------------------------------------------------

struct RecordLoaded {
    record: UsageRecord,
    machine: String,
    customer: String,
    customers: Vec<(String, String)>,
    history: Vec<AuditEntry>,
}

fn load_record(c: &mut DbConn, by: &By, id: UsageId) -> Result<RecordLoaded, ServiceError> {
    let record = usage::record(c, by, id)?;
    let customers_of: Vec<CustomerId> = record.customer_id.into_iter().collect();
    let users_of: Vec<UserId> = record.user_id.into_iter().collect();
    let (names, people) = names_of(c, by, &customers_of, &users_of)?;
    let mut customers = customer_choices(c, by, None)?;
    // The record's own customer is always a choice, even beyond the list's length.
    if let Some(own) = record.customer_id {
        if !customers.iter().any(|(k, _)| *k == own.to_string()) {
            let name = names.get(&own).cloned().unwrap_or_else(|| own.to_string());
            customers.push((own.to_string(), name));
        }
    }
    let query = audit::Query {
        object_type: Some("usage"),
        object_id: Some(id.get()),
        before: None,
        limit: 20,
    };
    Ok(RecordLoaded {
        machine: machine_name(&resources::resources(c)?, record.resource_id),
        customer: who(record.customer_id, record.user_id, &names, &people),
        history: audit::list(c, by, &query)?,
        customers,
        record,
    })
}

/// The correction form filled with the record as it is.
fn current_fields(record: &UsageRecord, tz: WorkshopTz) -> CorrectionFields {
    let date = |at: DateTime<Utc>| tz.local_date(at).to_string();
    let time = |at: DateTime<Utc>| hh_mm(tz.to_local(at).time());
    CorrectionFields {
        start_date: date(record.started_at),
        start_time: time(record.started_at),
        end_date: record.ended_at.map(date).unwrap_or_default(),
        end_time: record.ended_at.map(time).unwrap_or_default(),
        customer_id: record
            .customer_id
            .map(|c| c.to_string())
            .unwrap_or_default(),
        void: false,
        note: String::new(),
    }
}

async fn render_record(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    id: UsageId,
    typed: Option<CorrectionFields>,
    (notice, error): (Option<&str>, Option<&FormError>),
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let tz = state.tz;
    let by = user.by();
    let loaded = state.db(move |c| load_record(c, &by, id)).await?;
    let record = &loaded.record;
    let facts = RecordFacts {
        id: record.id.get(),
        machine: loaded.machine.clone(),
        customer: loaded.customer.clone(),
        booking_id: record.booking_id.map(|b| b.get()),
        source: source_label(record.source),
        start: local_minute(record.started_at, tz),
        end: end_label(record, tz),
        duration: duration(record.started_at, record.ended_at),
        status: record.status.clone(),
        revision: record.revision,
        note: record.note.clone(),
    };
    let fields = typed.unwrap_or_else(|| current_fields(record, tz));
    let history: Vec<HistoryLine> = loaded
        .history
        .iter()
        .map(|e| HistoryLine {
            at: local_minute(e.at, tz),
            actor: e.actor.clone(),
            action: e.action.clone(),
        })
        .collect();
    let data = RecordPage {
        facts: &facts,
        fields: &fields,
        customers: &loaded.customers,
        history: &history,
        tz: tz.name(),
        notice,
        error,
    };
    Ok(html(status, view::record(&chrome(Some(user), csrf), &data)))
}

#[derive(Deserialize)]
pub struct Flash {
    done: Option<String>,
}

pub async fn show(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let id = UsageId::new(path.into_inner());
    let shown = (notice_for(flash.done.as_deref()), None);
    render_record(&state, &user, &csrf, id, None, shown, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct CorrectionForm {
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    end_time: String,
    #[serde(default)]
    customer_id: String,
    /// The checkbox: present when ticked.
    void: Option<String>,
    #[serde(default)]
    note: String,
}

/// A correction as typed, checked: new times, maybe a customer, void or not, and why.
struct Correction {
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    customer: Option<CustomerId>,
    void: bool,
    note: String,
}

impl CorrectionForm {
    fn fields(&self) -> CorrectionFields {
        CorrectionFields {
            start_date: self.start_date.clone(),
            start_time: self.start_time.clone(),
            end_date: self.end_date.clone(),
            end_time: self.end_time.clone(),
            customer_id: self.customer_id.clone(),
            void: self.void.is_some(),
            note: self.note.clone(),
        }
    }

    fn parse(&self, tz: WorkshopTz) -> Result<Correction, FormError> {
        let on = |field: &'static str| move |message: String| FormError::on(field, message);
        let start_date =
            parse_date(&self.start_date, "The start date").map_err(on("start_date"))?;
        let start_time =
            parse_time(&self.start_time, "The start time").map_err(on("start_time"))?;
        let started_at = instant(tz, start_date, start_time).map_err(on("start_time"))?;
        let ended_at = match self.end_time.trim() {
            "" => None,
            typed => {
                let time = parse_time(typed, "The end time").map_err(on("end_time"))?;
                let date = match self.end_date.trim() {
                    "" => start_date,
                    day => parse_date(day, "The end date").map_err(on("end_date"))?,
                };
                Some(instant(tz, date, time).map_err(on("end_time"))?)
            }
        };
        let customer = chosen(
            "customer_id",
            &self.customer_id,
            "Choose a customer from the list.",
        )?;
        if self.note.trim().is_empty() {
            return Err(FormError::on(
                "note",
                "Say why the usage is corrected (note).",
            ));
        }
        Ok(Correction {
            started_at,
            ended_at,
            customer: customer.map(CustomerId::new),
            void: self.void.is_some(),
            note: self.note.clone(),
        })
    }
}

pub async fn correct(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<CorrectionForm>,
) -> Result<HttpResponse, AppError> {
    let id = UsageId::new(path.into_inner());
    let (status, error) = match form.parse(state.tz) {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok(correction) => {
            let by = user.by();
            let outcome = state
                .with_context(move |c, ctx| {
                    let old = usage::record(c, &by, id)?;
                    // A record given to another account goes to that account's person too.
                    let user_id = match correction.customer {
                        Some(new) if Some(new) != old.customer_id => sole_user(c, &by, new)?,
                        _ => None,
                    };
                    let change = UsageChange {
                        started_at: correction.started_at,
                        ended_at: correction.ended_at,
                        customer_id: correction.customer,
                        user_id,
                        void: correction.void,
                        note: correction.note,
                    };
                    usage::correct(c, ctx, &by, id, &change)
                })
                .await;
            match outcome {
                Ok(_) => return Ok(see_other(&format!("/staff/usage/{id}?done=corrected"))),
                Err(error) => form_refusal(error)?,
            }
        }
    };
    let shown = (None, Some(&error));
    render_record(&state, &user, &csrf, id, Some(form.fields()), shown, status).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(end_time: &str, note: &str) -> CorrectionForm {
        CorrectionForm {
            start_date: "2027-03-01".into(),
            start_time: "10:00".into(),
            end_date: String::new(),
            end_time: end_time.into(),
            customer_id: String::new(),
            void: None,
            note: note.into(),
        }
    }

    #[test]
    fn a_correction_reads_local_times_and_names_the_wrong_field() {
        let tz = WorkshopTz::DEFAULT;
        let fixed = form("11:30", "logbook").parse(tz).expect("valid");
        let ended = fixed.ended_at.expect("end on the start's day");
        assert_eq!((ended - fixed.started_at).num_minutes(), 90);
        assert!(form("", "still running")
            .parse(tz)
            .expect("open")
            .ended_at
            .is_none());
        let field = |f: CorrectionForm| f.parse(tz).err().and_then(|e| e.field);
        assert_eq!(field(form("11:30", " ")), Some("note"));
        assert_eq!(field(form("11.30", "x")), Some("end_time"));
        assert_eq!(
            field(CorrectionForm {
                customer_id: "Ana".into(),
                ..form("11:30", "x")
            }),
            Some("customer_id")
        );
    }

    #[test]
    fn the_filter_takes_dates_ids_and_a_known_status() {
        let tz = WorkshopTz::DEFAULT;
        let fields = FilterFields {
            from: "2027-03-01".into(),
            to: "2027-03-01".into(),
            machine_id: "4".into(),
            customer_id: String::new(),
            status: "open".into(),
        };
        let query = parse_filter(&fields, tz).expect("valid");
        let (from, to) = (query.from.expect("from"), query.to.expect("to"));
        assert_eq!((to - from).num_hours(), 24, "the end date is included");
        assert_eq!(query.resource_id, Some(ResourceId::new(4)));
        assert!(parse_filter(
            &FilterFields {
                status: "gone".into(),
                ..FilterFields::default()
            },
            tz
        )
        .is_err());
        assert!(parse_filter(
            &FilterFields {
                from: "yesterday".into(),
                ..FilterFields::default()
            },
            tz
        )
        .is_err_and(|m| m.contains("From")));
    }
}
