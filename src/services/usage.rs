//! Usage: device events paired into usage records (idempotent, in any order), front-desk
//! check-in and check-out, walk-ins and staff entries, audited corrections, anomalies, and the
//! usage and no-show charges. A charge is never edited: a change writes a reversal of the last
//! revision and a new one.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::audit::{self, Changes};
use super::bookings::{when, Context};
use super::{now, staff_only, By, ServiceError};
use crate::db::accounts as account_rows;
use crate::db::bookings::{self as booking_rows, BookingRow, NewChargeRow};
use crate::db::resources as resource_rows;
use crate::db::usage::{self as rows, Correction, NewEventRow, NewUsageRow, UsageFilter, UsageRow};
use crate::db::{lock_row, parse_stored, timestamp, write_tx, DbConn, DbError};
use crate::domain::billing::time_price;
use crate::domain::resources::{Resource, ResourceKind};
use crate::domain::usage::{
    check_interval, elapsed_minutes, Billed, EventKind, Tariff, UsageEvent, UsageSource,
};
use crate::domain::{
    BookingId, CustomerId, LocalMonth, Money, ResourceId, Role, TokenId, UsageId, UserId,
};

/// How early before its booking a device start still counts as that booking's use.
const EARLY_START_MINUTES: i64 = 15;
/// A record open longer than this is an anomaly (started and never stopped).
pub const OPEN_TOO_LONG_HOURS: i64 = 12;
/// A stop waits this long for a start that may still arrive before it is an anomaly.
pub const LONELY_STOP_MINUTES: i64 = 10;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UsageRecord {
    pub id: UsageId,
    pub resource_id: ResourceId,
    pub customer_id: Option<CustomerId>,
    pub user_id: Option<UserId>,
    pub booking_id: Option<BookingId>,
    pub source: UsageSource,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// open, closed or void.
    pub status: String,
    /// How many times staff corrected it.
    pub revision: i32,
    pub note: String,
}

fn to_record(row: &UsageRow) -> Result<UsageRecord, DbError> {
    Ok(UsageRecord {
        id: UsageId::new(row.id),
        resource_id: ResourceId::new(row.resource_id),
        customer_id: row.customer_id.map(CustomerId::new),
        user_id: row.user_id.map(UserId::new),
        booking_id: row.booking_id.map(BookingId::new),
        source: parse_stored(&row.source)?,
        started_at: row.started_at.and_utc(),
        ended_at: row.ended_at.map(|t| t.and_utc()),
        status: row.status.clone(),
        revision: row.revision,
        note: row.note.clone(),
    })
}

fn machine(c: &mut DbConn, id: ResourceId) -> Result<Resource, ServiceError> {
    resource_rows::find(c, id)
        .ok()
        .filter(|r| r.kind == ResourceKind::Machine)
        .ok_or_else(|| ServiceError::Invalid(format!("There is no machine {id}.")))
}

// --- Device events ----------------------------------------------------------------------------

/// What happened to one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Stored now (and paired, or waiting for its partner).
    Recorded,
    /// Seen before: accepted, nothing changed.
    Duplicate,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventOutcome {
    pub event_id: String,
    pub status: EventStatus,
    /// The usage record the event opened or closed, if paired.
    pub usage_id: Option<UsageId>,
}

/// Who reports at all: a device token, staff or the system.
fn check_may_report(by: &By, scope: Option<ResourceId>) -> Result<(), ServiceError> {
    match (scope, by.actor()) {
        (None, Some(actor)) if !actor.is_staff() => Err(ServiceError::Forbidden(
            "Only a machine's device token or staff report usage events.".into(),
        )),
        _ => Ok(()),
    }
}

/// Who reports for `resource`: a device token only for its machine; otherwise staff only.
fn check_reporter(
    by: &By,
    scope: Option<ResourceId>,
    resource: ResourceId,
) -> Result<(), ServiceError> {
    check_may_report(by, scope)?;
    match scope {
        Some(machine) if machine != resource => Err(ServiceError::Forbidden(format!(
            "This device token reports for machine {machine} only."
        ))),
        _ => Ok(()),
    }
}

/// Records one device event, idempotently on its `event_id`.
pub fn record_event(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    scope: Option<ResourceId>,
    token: Option<TokenId>,
    event: &UsageEvent,
) -> Result<EventOutcome, ServiceError> {
    check_reporter(by, scope, event.resource_id)?;
    write_tx(conn, |c| record_event_in(c, ctx, token, event))
}

/// One event of a batch: its outcome, or why it was refused.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    pub event_id: String,
    /// recorded, duplicate or rejected.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_id: Option<UsageId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Records a batch in one transaction, each event in a savepoint of its own, so one refused
/// event does not undo the others. `events` carries each event's id and its parsed form (or why
/// it did not parse).
pub fn record_events(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    scope: Option<ResourceId>,
    token: Option<TokenId>,
    events: &[(String, Result<UsageEvent, String>)],
) -> Result<Vec<BatchResult>, ServiceError> {
    // Someone who may never report is refused as a whole, not answered event by event.
    check_may_report(by, scope)?;
    write_tx(conn, |c| {
        let mut results = Vec::with_capacity(events.len());
        for (event_id, parsed) in events {
            let attempt = match parsed {
                Err(why) => Err(ServiceError::Invalid(why.clone())),
                Ok(event) => check_reporter(by, scope, event.resource_id).and_then(|()| {
                    diesel::Connection::transaction(c, |sp| record_event_in(sp, ctx, token, event))
                }),
            };
            results.push(match attempt {
                Ok(outcome) => BatchResult {
                    event_id: event_id.clone(),
                    status: match outcome.status {
                        EventStatus::Recorded => "recorded".into(),
                        EventStatus::Duplicate => "duplicate".into(),
                    },
                    usage_id: outcome.usage_id,
                    error: None,
                },
                Err(ServiceError::Db(e)) => return Err(ServiceError::Db(e)),
                Err(refused) => BatchResult {
                    event_id: event_id.clone(),
                    status: "rejected".into(),
                    usage_id: None,
                    error: Some(refused.to_string()),
                },
            });
        }
        Ok(results)
    })
}

fn record_event_in(
    c: &mut DbConn,
    ctx: &Context<'_>,
    token: Option<TokenId>,
    event: &UsageEvent,
) -> Result<EventOutcome, ServiceError> {
    let outcome = |status, usage_id: Option<i64>| EventOutcome {
        event_id: event.event_id.clone(),
        status,
        usage_id: usage_id.map(UsageId::new),
    };
    if let Some(seen) = rows::event_by_key(c, &event.event_id)? {
        let same = seen.resource_id == event.resource_id.get()
            && seen.kind == event.kind.as_str()
            && seen.at == timestamp(event.at);
        if !same {
            return Err(ServiceError::Conflict(format!(
                "event_id '{}' was already used for a different event.",
                event.event_id
            )));
        }
        return Ok(outcome(EventStatus::Duplicate, seen.usage_id));
    }
    machine(c, event.resource_id)?;
    // Events of one machine pair up one at a time: a start and its stop arriving at once on
    // two connections must each see the other.
    lock_row(c, "resources", event.resource_id.get())?;
    if let Some(customer) = event.customer_id {
        account_rows::find_customer(c, customer)
            .map_err(|_| ServiceError::Invalid(format!("There is no customer {customer}.")))?;
    }
    let at = timestamp(event.at);
    let stored = diesel::Connection::transaction(c, |sp| {
        rows::insert_event(
            sp,
            &NewEventRow {
                event_id: &event.event_id,
                resource_id: event.resource_id.get(),
                kind: event.kind.as_str(),
                at,
                customer_id: event.customer_id.map(CustomerId::get),
                token_id: token.map(TokenId::get),
                received_at: timestamp(now()),
            },
        )
    });
    let id = match stored {
        Ok(id) => id,
        // The same event arriving twice at once: the other copy won.
        Err(DbError::Unique(_)) => return Ok(outcome(EventStatus::Duplicate, None)),
        Err(other) => return Err(other.into()),
    };
    let usage = match event.kind {
        EventKind::Start => Some(pair_start(c, ctx, id, event)?),
        EventKind::Stop => pair_stop(c, ctx, id, event)?,
    };
    Ok(outcome(EventStatus::Recorded, usage))
}

/// A start pairs with the machine's next event when that is a stop: a stop that waited for it
/// (it arrived first), or one wrongly taken by an earlier start whose own stop never came (that
/// record opens again). Otherwise it opens a record. The customer is the one the event names or,
/// failing that, the booking the machine has then.
fn pair_start(
    c: &mut DbConn,
    ctx: &Context<'_>,
    event_row: i64,
    event: &UsageEvent,
) -> Result<i64, ServiceError> {
    let at = timestamp(event.at);
    let resource = event.resource_id.get();
    let booking = rows::booking_at(c, resource, at, Duration::minutes(EARLY_START_MINUTES))?
        .filter(|b| event.customer_id.is_none_or(|cu| cu.get() == b.customer_id));
    let customer = event
        .customer_id
        .map(CustomerId::get)
        .or(booking.as_ref().map(|b| b.customer_id));
    let stamp = timestamp(now());
    let stop = rows::neighbour_event(c, resource, at, event_row, true)?
        .filter(|next| next.kind == EventKind::Stop.as_str());
    if let Some(taken_by) = stop.as_ref().and_then(|s| s.usage_id) {
        // The stop belonged to this start all along: the earlier start never stopped.
        rows::set_end(c, taken_by, None, stamp)?;
        charge_record(c, ctx, taken_by)?;
    }
    let id = rows::insert_record(
        c,
        &NewUsageRow {
            resource_id: resource,
            customer_id: customer,
            user_id: booking.as_ref().map(|b| b.user_id),
            booking_id: booking.as_ref().map(|b| b.id),
            source: UsageSource::Device.as_str(),
            started_at: at,
            ended_at: stop.as_ref().map(|s| s.at),
            status: if stop.is_some() { "closed" } else { "open" },
            note: "",
            created_by: None,
            created_at: stamp,
            updated_at: stamp,
        },
    )?;
    rows::link_event(c, event_row, id)?;
    if let Some(stop) = stop {
        rows::link_event(c, stop.id, id)?;
        charge_record(c, ctx, id)?;
    }
    Ok(id)
}

/// A stop closes the record of the machine's previous event when that is a start: an open
/// record, or one closed by a later stop that is not its own (that stop waits again). Otherwise
/// it waits for a start that may still arrive.
fn pair_stop(
    c: &mut DbConn,
    ctx: &Context<'_>,
    event_row: i64,
    event: &UsageEvent,
) -> Result<Option<i64>, ServiceError> {
    let at = timestamp(event.at);
    let previous = rows::neighbour_event(c, event.resource_id.get(), at, event_row, false)?
        .filter(|prev| prev.kind == EventKind::Start.as_str());
    let Some(record) = previous.and_then(|start| start.usage_id) else {
        return Ok(None);
    };
    if let Some(later) = rows::stop_of(c, record)? {
        rows::unlink_event(c, later.id)?;
    }
    rows::set_end(c, record, Some(at), timestamp(now()))?;
    rows::link_event(c, event_row, record)?;
    charge_record(c, ctx, record)?;
    Ok(Some(record))
}

/// Staff set a stop without a start aside (e.g. a machine power cycle).
pub fn dismiss_event(conn: &mut DbConn, by: &By, id: i64) -> Result<(), ServiceError> {
    staff_only(by, "dismiss usage events")?;
    write_tx(conn, |c| {
        let event = rows::find_event(c, id)?;
        if !rows::dismiss_event(c, id, timestamp(now()))? {
            return Err(ServiceError::Conflict(
                "This event is already paired or dismissed.".into(),
            ));
        }
        let changes = Changes::new()
            .set("event_id", &event.event_id)
            .set("dismissed", &true);
        audit::record(
            c,
            by,
            "usage_event.dismiss",
            "usage_event",
            Some(id),
            changes,
        )
    })
}

// --- Front desk and staff entries -------------------------------------------------------------

/// Checks a booking in at the front desk: its usage starts now.
pub fn check_in(
    conn: &mut DbConn,
    by: &By,
    booking: BookingId,
) -> Result<UsageRecord, ServiceError> {
    staff_only(by, "check people in")?;
    write_tx(conn, |c| {
        let row = booking_rows::find_booking(c, booking.get())?;
        if row.status != "confirmed" {
            return Err(ServiceError::Conflict("This booking is cancelled.".into()));
        }
        let already = rows::list_records(
            c,
            &UsageFilter {
                resource_id: Some(row.resource_id),
                status: Some("open".into()),
                limit: 50,
                ..UsageFilter::default()
            },
        )?;
        if already.iter().any(|r| r.booking_id == Some(row.id)) {
            return Err(ServiceError::Conflict(
                "This booking is already checked in.".into(),
            ));
        }
        let stamp = timestamp(now());
        let id = rows::insert_record(
            c,
            &NewUsageRow {
                resource_id: row.resource_id,
                customer_id: Some(row.customer_id),
                user_id: Some(row.user_id),
                booking_id: Some(row.id),
                source: UsageSource::FrontDesk.as_str(),
                started_at: stamp,
                ended_at: None,
                status: "open",
                note: "",
                created_by: by.actor().map(|a| a.user_id.get()),
                created_at: stamp,
                updated_at: stamp,
            },
        )?;
        let changes = Changes::new().set("booking_id", &booking);
        audit::record(c, by, "usage.check_in", "usage", Some(id), changes)?;
        Ok(to_record(&rows::find_record(c, id)?)?)
    })
}

/// Checks out an open record now and charges it.
pub fn check_out(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    id: UsageId,
) -> Result<UsageRecord, ServiceError> {
    staff_only(by, "check people out")?;
    write_tx(conn, |c| {
        let row = rows::find_record(c, id.get())?;
        if row.status != "open" {
            return Err(ServiceError::Conflict("This usage is not open.".into()));
        }
        // At least a minute, so a check-out right after check-in is still a valid interval.
        let end = timestamp(now()).max(row.started_at + Duration::minutes(1));
        if !rows::close_record(c, row.id, end, timestamp(now()))? {
            return Err(ServiceError::Conflict(
                "This usage was checked out just now.".into(),
            ));
        }
        charge_record(c, ctx, row.id)?;
        let changes = Changes::new().set("ended_at", &end.and_utc());
        audit::record(c, by, "usage.check_out", "usage", Some(row.id), changes)?;
        Ok(to_record(&rows::find_record(c, row.id)?)?)
    })
}

/// A usage entered by hand: a walk-in at the front desk (open, or with its end) or a staff
/// entry of past use.
#[derive(Debug, Clone)]
pub struct NewUsage {
    pub resource_id: ResourceId,
    pub customer_id: CustomerId,
    pub user_id: Option<UserId>,
    pub booking_id: Option<BookingId>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub source: UsageSource,
    pub note: String,
}

pub fn enter(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    new: &NewUsage,
) -> Result<UsageRecord, ServiceError> {
    staff_only(by, "enter usage")?;
    check_interval(new.started_at, new.ended_at, now())
        .map_err(|e| ServiceError::Invalid(capitalise(&e.0)))?;
    write_tx(conn, |c| {
        machine(c, new.resource_id)?;
        let customer = account_rows::find_customer(c, new.customer_id).map_err(|_| {
            ServiceError::Invalid(format!("There is no customer {}.", new.customer_id))
        })?;
        if let Some(user) = new.user_id {
            let found = account_rows::find_user(c, user)
                .map_err(|_| ServiceError::Invalid(format!("There is no user {user}.")))?;
            if found.customer_id != customer.id {
                return Err(ServiceError::Invalid(format!(
                    "{} does not belong to {}.",
                    found.name, customer.legal_name
                )));
            }
        }
        if let Some(booking) = new.booking_id {
            let row = booking_rows::find_booking(c, booking.get()).map_err(|e| match e {
                DbError::NotFound => {
                    ServiceError::Invalid(format!("There is no booking {booking}."))
                }
                other => other.into(),
            })?;
            if row.status != "confirmed" {
                return Err(ServiceError::Invalid(format!(
                    "Booking {booking} is cancelled; enter the usage without it."
                )));
            }
            if row.customer_id != customer.id.get() || row.resource_id != new.resource_id.get() {
                return Err(ServiceError::Invalid(
                    "That booking is for another customer or machine.".into(),
                ));
            }
        }
        let stamp = timestamp(now());
        let id = rows::insert_record(
            c,
            &NewUsageRow {
                resource_id: new.resource_id.get(),
                customer_id: Some(customer.id.get()),
                user_id: new.user_id.map(UserId::get),
                booking_id: new.booking_id.map(BookingId::get),
                source: new.source.as_str(),
                started_at: timestamp(new.started_at),
                ended_at: new.ended_at.map(timestamp),
                status: if new.ended_at.is_some() {
                    "closed"
                } else {
                    "open"
                },
                note: new.note.trim(),
                created_by: by.actor().map(|a| a.user_id.get()),
                created_at: stamp,
                updated_at: stamp,
            },
        )?;
        charge_record(c, ctx, id)?;
        let record = to_record(&rows::find_record(c, id)?)?;
        let changes = Changes::new()
            .set("resource_id", &record.resource_id)
            .set("customer_id", &record.customer_id)
            .set("started_at", &record.started_at)
            .set("ended_at", &record.ended_at)
            .set("source", &record.source);
        audit::record(c, by, "usage.create", "usage", Some(id), changes)?;
        Ok(record)
    })
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>() + "."
    })
}

/// A staff correction of a record: new times, the customer (resolving an unknown one), or void.
#[derive(Debug, Clone)]
pub struct UsageChange {
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub customer_id: Option<CustomerId>,
    pub user_id: Option<UserId>,
    pub void: bool,
    pub note: String,
}

/// Corrects a record, audited with old and new values; its charge is reversed and written again
/// as a new revision (never edited).
pub fn correct(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    id: UsageId,
    change: &UsageChange,
) -> Result<UsageRecord, ServiceError> {
    staff_only(by, "correct usage")?;
    check_interval(change.started_at, change.ended_at, now())
        .map_err(|e| ServiceError::Invalid(capitalise(&e.0)))?;
    if change.note.trim().is_empty() {
        return Err(ServiceError::Invalid(
            "Say why the usage is corrected (note).".into(),
        ));
    }
    write_tx(conn, |c| {
        let old = rows::find_record(c, id.get())?;
        if old.status == "void" {
            return Err(ServiceError::Conflict(
                "This usage is void; enter a new one instead.".into(),
            ));
        }
        if let Some(customer) = change.customer_id {
            account_rows::find_customer(c, customer)
                .map_err(|_| ServiceError::Invalid(format!("There is no customer {customer}.")))?;
        }
        let status = match (change.void, change.ended_at) {
            (true, _) => "void",
            (false, Some(_)) => "closed",
            (false, None) => "open",
        };
        rows::correct_record(
            c,
            id.get(),
            &Correction {
                customer_id: change.customer_id.map(CustomerId::get).or(old.customer_id),
                // Another account's record does not keep the previous account's person.
                user_id: match (change.user_id, change.customer_id) {
                    (Some(user), _) => Some(user.get()),
                    (None, Some(customer)) if Some(customer.get()) != old.customer_id => None,
                    (None, _) => old.user_id,
                },
                started_at: timestamp(change.started_at),
                ended_at: change.ended_at.map(timestamp),
                status,
                note: change.note.trim(),
                updated_at: timestamp(now()),
            },
        )?;
        charge_record(c, ctx, id.get())?;
        let new = rows::find_record(c, id.get())?;
        let changes = Changes::new()
            .field(
                "started_at",
                &old.started_at.and_utc(),
                &new.started_at.and_utc(),
            )
            .field(
                "ended_at",
                &old.ended_at.map(|t| t.and_utc()),
                &new.ended_at.map(|t| t.and_utc()),
            )
            .field("customer_id", &old.customer_id, &new.customer_id)
            .field("status", &old.status, &new.status)
            .set("note", &new.note);
        audit::record(c, by, "usage.correct", "usage", Some(id.get()), changes)?;
        Ok(to_record(&new)?)
    })
}

// --- Charges ----------------------------------------------------------------------------------

/// What one usage charge is for.
struct ChargeFor<'a> {
    customer_id: i64,
    user_id: Option<i64>,
    source_type: &'a str,
    source_id: i64,
    service_date: NaiveDate,
    description: String,
    price_category: String,
    machine_category_id: Option<i64>,
    hourly: Money,
    billed: Option<Billed>,
}

/// Writes the charge of a record's current state: closed records with a customer are billed (a
/// booking's records together, by the machine's billing basis against the booked time); a
/// change reverses the previous revision and writes the next; nothing billable reverses it.
fn charge_record(c: &mut DbConn, ctx: &Context<'_>, id: i64) -> Result<(), ServiceError> {
    let row = rows::find_record(c, id)?;
    let machine = resource_rows::find(c, ResourceId::new(row.resource_id))?;
    let tariff = |hourly| Tariff {
        hourly,
        basis: machine.billing_basis,
        increment: machine.billing_increment,
        minimum: machine.minimum_charge,
    };
    if let Some(booking_id) = row.booking_id {
        // Serialised with the booking's settlement: a no-show is either seen here and reversed,
        // or not written because this usage is seen there.
        lock_row(c, "bookings", booking_id)?;
        let booking = booking_rows::find_booking(c, booking_id)?;
        let records = rows::closed_of_booking(c, booking_id)?;
        let actual: i64 = records
            .iter()
            .filter(|r| r.customer_id.is_some())
            .filter_map(|r| {
                Some(elapsed_minutes(
                    r.started_at.and_utc(),
                    r.ended_at?.and_utc(),
                ))
            })
            .sum();
        let booked = elapsed_minutes(booking.starts_at.and_utc(), booking.ends_at.and_utc());
        let hourly = Money::from_cents(booking.rate_cents);
        let billed = (!records.is_empty()).then(|| tariff(hourly).bill(Some(booked), actual));
        let spec = ChargeFor {
            customer_id: booking.customer_id,
            user_id: Some(booking.user_id),
            source_type: "booking_usage",
            source_id: booking.id,
            service_date: ctx.tz.local_date(booking.starts_at.and_utc()),
            description: format!(
                "{}, {} ({actual} min used)",
                machine.name,
                when(
                    ctx.tz,
                    booking.starts_at.and_utc(),
                    booking.ends_at.and_utc()
                )
            ),
            price_category: booking.price_category.clone(),
            machine_category_id: machine.category_id.map(|c| c.get()),
            hourly,
            billed,
        };
        rebill(c, &spec)?;
        if billed.is_some() {
            reverse_no_show(c, &booking)?;
        }
        return Ok(());
    }
    let Some(customer_id) = row.customer_id else {
        return Ok(());
    };
    let customer = account_rows::find_customer(c, CustomerId::new(customer_id))?;
    let hourly = machine.rates.for_category(customer.price_category);
    let billed = match (row.status.as_str(), row.ended_at) {
        ("closed", Some(end)) => Some(tariff(hourly).bill(
            None,
            elapsed_minutes(row.started_at.and_utc(), end.and_utc()),
        )),
        _ => None,
    };
    let end = row.ended_at.unwrap_or(row.started_at).and_utc();
    let spec = ChargeFor {
        customer_id,
        user_id: row.user_id,
        source_type: "usage",
        source_id: row.id,
        service_date: ctx.tz.local_date(row.started_at.and_utc()),
        description: format!(
            "{}, {}",
            machine.name,
            when(ctx.tz, row.started_at.and_utc(), end)
        ),
        price_category: customer.price_category.as_str().to_string(),
        machine_category_id: machine.category_id.map(|c| c.get()),
        hourly,
        billed,
    };
    rebill(c, &spec)
}

/// One row to write for a `ChargeFor`.
struct Line<'a> {
    source_type: &'a str,
    kind: &'a str,
    revision: i32,
    quantity: i64,
    unit_price_cents: i64,
    description: String,
    service_date: NaiveDate,
}

/// The latest revision of `kind` for a source, unless it has been reversed.
fn live_charge(
    c: &mut DbConn,
    source_type: &str,
    source_id: i64,
    kind: &str,
) -> Result<Option<rows::LatestCharge>, ServiceError> {
    match rows::latest_charge(c, source_type, source_id, kind)? {
        Some(latest) if !rows::is_reversed(c, source_type, source_id, latest.revision)? => {
            Ok(Some(latest))
        }
        _ => Ok(None),
    }
}

/// The reversal of a charge: one negative amount, the exact price of what it cancels, on the
/// same date and describing the same line.
fn reversal_of<'a>(source_type: &'a str, charge: &rows::LatestCharge, time: bool) -> Line<'a> {
    let amount = if time {
        Money::from_cents(charge.unit_price_cents)
            .times(crate::domain::billing::hours(charge.quantity))
    } else {
        Money::from_cents(charge.unit_price_cents * charge.quantity)
    };
    Line {
        source_type,
        kind: "reversal",
        revision: charge.revision,
        quantity: 1,
        unit_price_cents: -amount.cents(),
        description: format!("Reversed: {}", charge.description),
        service_date: charge.service_date,
    }
}

/// Brings the ledger in line with `spec`: if the live revision differs, it is reversed and the
/// next revision written; the minimum-charge top-up follows under its own source type.
fn rebill(c: &mut DbConn, spec: &ChargeFor<'_>) -> Result<(), ServiceError> {
    let minutes = spec.billed.map_or(0, |b| b.minutes);
    let top_up = spec.billed.map_or(Money::ZERO, |b| b.minimum_top_up);
    let minimum_source = format!("{}_minimum", spec.source_type);
    let latest = rows::latest_charge(c, spec.source_type, spec.source_id, "usage")?;
    let live = live_charge(c, spec.source_type, spec.source_id, "usage")?;
    let live_top_up = match &live {
        Some(usage) => live_charge(c, &minimum_source, spec.source_id, "manual")?
            .filter(|t| t.revision == usage.revision),
        None => None,
    };
    let wanted = (minutes > 0).then_some((minutes, spec.hourly.cents(), top_up.cents()));
    let now_billed = live.as_ref().map(|l| {
        let t = live_top_up.as_ref().map_or(0, |t| t.unit_price_cents);
        (l.quantity, l.unit_price_cents, t)
    });
    if now_billed == wanted {
        return Ok(());
    }
    let next = latest.map_or(0, |l| l.revision + 1);
    let mut lines = Vec::new();
    if let Some(usage) = &live {
        lines.push(reversal_of(spec.source_type, usage, true));
        if let Some(top_up) = &live_top_up {
            lines.push(reversal_of(&minimum_source, top_up, false));
        }
    }
    if let Some((quantity, unit, top_up)) = wanted {
        lines.push(Line {
            source_type: spec.source_type,
            kind: "usage",
            revision: next,
            quantity,
            unit_price_cents: unit,
            description: spec.description.clone(),
            service_date: spec.service_date,
        });
        if top_up != 0 {
            lines.push(Line {
                source_type: &minimum_source,
                kind: "manual",
                revision: next,
                quantity: 1,
                unit_price_cents: top_up,
                description: format!("Minimum charge: {}", spec.description),
                service_date: spec.service_date,
            });
        }
    }
    for line in &lines {
        write_charge(c, spec, line)?;
    }
    Ok(())
}

fn write_charge(c: &mut DbConn, spec: &ChargeFor<'_>, line: &Line<'_>) -> Result<(), ServiceError> {
    booking_rows::insert_charge_once(
        c,
        &NewChargeRow {
            customer_id: spec.customer_id,
            user_id: spec.user_id,
            kind: line.kind,
            source_type: line.source_type,
            source_id: spec.source_id,
            revision: line.revision,
            service_date: line.service_date,
            description: &line.description,
            quantity: line.quantity,
            unit_price_cents: line.unit_price_cents,
            price_category: &spec.price_category,
            vat_category: "standard",
            machine_category_id: spec.machine_category_id,
            created_at: timestamp(now()),
        },
    )?;
    Ok(())
}

/// Usage turned up for a booking already charged as a no-show: the no-show is reversed, so the
/// booking is billed for its usage instead, never on top.
fn reverse_no_show(c: &mut DbConn, booking: &BookingRow) -> Result<(), ServiceError> {
    let Some(no_show) = live_charge(c, "booking", booking.id, "no_show")? else {
        return Ok(());
    };
    let line = Line {
        description: format!(
            "{} (usage was reported)",
            reversal_of("booking", &no_show, false).description
        ),
        ..reversal_of("booking", &no_show, false)
    };
    let spec = ChargeFor {
        customer_id: booking.customer_id,
        user_id: Some(booking.user_id),
        source_type: "booking",
        source_id: booking.id,
        service_date: no_show.service_date,
        description: String::new(),
        price_category: booking.price_category.clone(),
        machine_category_id: None,
        hourly: Money::ZERO,
        billed: None,
    };
    write_charge(c, &spec, &line)
}

// --- No-shows ---------------------------------------------------------------------------------

/// Settles one claimed booking (the settle job's work): found used, or charged as a no-show,
/// exactly once. Returns the settlement's outcome.
pub fn settle_booking(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    settlement: i64,
    owner: &str,
) -> Result<Option<&'static str>, ServiceError> {
    write_tx(conn, |c| {
        let Some(booking_id) = booking_rows::claimed_settlement(c, settlement, owner)? else {
            return Ok(None);
        };
        // Usage being written for the booking at this moment waits for (or is seen by) this.
        lock_row(c, "bookings", booking_id)?;
        let booking = booking_rows::find_booking(c, booking_id)?;
        let outcome = if booking.status != "confirmed" {
            "skipped"
        } else if rows::booking_was_used(c, booking_id)? {
            "used"
        } else {
            charge_no_show(c, ctx, &booking)?;
            "no_show"
        };
        booking_rows::finish_settlement(c, settlement, outcome)?;
        Ok(Some(outcome))
    })
}

/// Staff mark a booking as a no-show from the front desk once it has started.
pub fn mark_no_show(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    booking: BookingId,
) -> Result<Money, ServiceError> {
    staff_only(by, "mark no-shows")?;
    write_tx(conn, |c| {
        lock_row(c, "bookings", booking.get())?;
        let row = booking_rows::find_booking(c, booking.get())?;
        if row.status != "confirmed" {
            return Err(ServiceError::Conflict("This booking is cancelled.".into()));
        }
        if row.starts_at.and_utc() > now() {
            return Err(ServiceError::Invalid(
                "A booking can be marked a no-show once it has started.".into(),
            ));
        }
        if rows::booking_was_used(c, booking.get())? {
            return Err(ServiceError::Conflict(
                "This booking has usage; correct the usage instead.".into(),
            ));
        }
        if live_charge(c, "booking", booking.get(), "no_show")?.is_some() {
            return Err(ServiceError::Conflict(
                "This booking is already charged as a no-show.".into(),
            ));
        }
        let Some(fee) = charge_no_show(c, ctx, &row)? else {
            return Err(ServiceError::Conflict(
                "This booking was charged as a no-show before; add a manual charge instead.".into(),
            ));
        };
        booking_rows::skip_settlement(c, booking.get())?;
        let changes = Changes::new().set("no_show_fee", &fee);
        audit::record(
            c,
            by,
            "booking.no_show",
            "booking",
            Some(booking.get()),
            changes,
        )?;
        Ok(fee)
    })
}

/// The no-show charge: the booked price at the booking's rate, times the configured share.
/// `None` when a no-show charge of the booking was written before (and since reversed).
fn charge_no_show(
    c: &mut DbConn,
    ctx: &Context<'_>,
    booking: &BookingRow,
) -> Result<Option<Money>, ServiceError> {
    let machine = resource_rows::find(c, ResourceId::new(booking.resource_id))?;
    let minutes = elapsed_minutes(booking.starts_at.and_utc(), booking.ends_at.and_utc());
    let price = time_price(
        Money::from_cents(booking.rate_cents),
        minutes,
        machine.billing_increment,
        machine.minimum_charge,
    );
    let fee = price.percent(ctx.no_show_percent);
    if fee > Money::ZERO {
        let start = booking.starts_at.and_utc();
        let description = format!(
            "No-show: {}, {}",
            machine.name,
            when(ctx.tz, start, booking.ends_at.and_utc())
        );
        let written = booking_rows::insert_charge_once(
            c,
            &NewChargeRow {
                customer_id: booking.customer_id,
                user_id: Some(booking.user_id),
                kind: "no_show",
                source_type: "booking",
                source_id: booking.id,
                revision: 0,
                service_date: ctx.tz.local_date(start),
                description: &description,
                quantity: 1,
                unit_price_cents: fee.cents(),
                price_category: &booking.price_category,
                vat_category: "standard",
                machine_category_id: machine.category_id.map(|c| c.get()),
                created_at: timestamp(now()),
            },
        )?;
        if !written {
            return Ok(None);
        }
    }
    Ok(Some(fee))
}

// --- Reading ----------------------------------------------------------------------------------

/// Which usage to list.
#[derive(Debug, Default, Clone)]
pub struct UsageQuery {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub resource_id: Option<ResourceId>,
    pub customer_id: Option<CustomerId>,
    pub status: Option<String>,
}

/// Usage records: staff see everyone's (filtered); a business admin the business's; anyone else
/// their own.
pub fn list(
    conn: &mut DbConn,
    by: &By,
    query: &UsageQuery,
) -> Result<Vec<UsageRecord>, ServiceError> {
    let mut filter = UsageFilter {
        from: query.from.map(timestamp),
        to: query.to.map(timestamp),
        resource_id: query.resource_id.map(ResourceId::get),
        customer_id: query.customer_id.map(CustomerId::get),
        status: query.status.clone(),
        limit: 1000,
        ..UsageFilter::default()
    };
    if let Some(actor) = by.actor() {
        if !actor.is_staff() {
            // A member's own account shows all its usage (a device may name only the account);
            // an employee of a business sees their own, the business's admin all of it.
            filter.customer_id = Some(actor.customer_id.get());
            let kind = account_rows::find_customer(conn, actor.customer_id)?.kind;
            if kind == crate::domain::CustomerKind::Business && actor.role != Role::BusinessAdmin {
                filter.user_id = Some(actor.user_id.get());
            }
        }
    }
    rows::list_records(conn, &filter)?
        .iter()
        .map(|r| Ok(to_record(r)?))
        .collect()
}

/// Something in the usage data staff should look at.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Anomaly {
    /// open_too_long, stop_without_start or no_customer.
    pub kind: &'static str,
    pub resource_id: ResourceId,
    pub at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_id: Option<UsageId>,
    /// The stored event (for a stop without a start), to dismiss it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<i64>,
}

pub fn anomalies(conn: &mut DbConn, by: &By) -> Result<Vec<Anomaly>, ServiceError> {
    staff_only(by, "see usage anomalies")?;
    let at = now();
    let mut found: Vec<Anomaly> =
        rows::open_since(conn, timestamp(at - Duration::hours(OPEN_TOO_LONG_HOURS)))?
            .iter()
            .map(|r| Anomaly {
                kind: "open_too_long",
                resource_id: ResourceId::new(r.resource_id),
                at: r.started_at.and_utc(),
                usage_id: Some(UsageId::new(r.id)),
                event: None,
            })
            .collect();
    found.extend(
        rows::lonely_stops(conn, timestamp(at - Duration::minutes(LONELY_STOP_MINUTES)))?
            .iter()
            .map(|e| Anomaly {
                kind: "stop_without_start",
                resource_id: ResourceId::new(e.resource_id),
                at: e.at.and_utc(),
                usage_id: None,
                event: Some(e.id),
            }),
    );
    found.extend(rows::without_customer(conn)?.iter().map(|r| Anomaly {
        kind: "no_customer",
        resource_id: ResourceId::new(r.resource_id),
        at: r.started_at.and_utc(),
        usage_id: Some(UsageId::new(r.id)),
        event: None,
    }));
    found.sort_by_key(|a| a.at);
    Ok(found)
}

/// One line of the charges ledger as a customer sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChargeView {
    pub date: NaiveDate,
    pub kind: String,
    pub description: String,
    /// Minutes for time, a count otherwise.
    pub quantity: i64,
    pub unit_price: Money,
    pub amount: Money,
}

/// A customer's charges in a month so far, and their total (VAT excluded).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthCharges {
    pub month: String,
    pub customer_id: CustomerId,
    pub charges: Vec<ChargeView>,
    pub total: Money,
}

/// The charges of the caller's account (staff: of `customer`) in `month`.
pub fn month_charges(
    conn: &mut DbConn,
    by: &By,
    customer: Option<CustomerId>,
    month: LocalMonth,
) -> Result<MonthCharges, ServiceError> {
    let customer = match (by.actor(), customer) {
        (Some(actor), Some(asked)) if !actor.is_staff() && asked != actor.customer_id => {
            return Err(ServiceError::NotFound)
        }
        (Some(actor), None) => actor.customer_id,
        (_, Some(asked)) => asked,
        (None, None) => return Err(ServiceError::Invalid("Say which customer.".into())),
    };
    if let Some(actor) = by.actor() {
        let customer_kind = account_rows::find_customer(conn, customer)?.kind;
        if !actor.is_staff()
            && customer_kind == crate::domain::CustomerKind::Business
            && actor.role != Role::BusinessAdmin
        {
            return Err(ServiceError::Forbidden(
                "The business's charges are for its admin to see.".into(),
            ));
        }
    }
    let last = month
        .next()
        .first_day()
        .pred_opt()
        .unwrap_or(month.first_day());
    let lines = rows::charges_of_customer(conn, customer.get(), month.first_day(), last)?;
    let charges: Vec<ChargeView> = lines
        .into_iter()
        .map(|(date, kind, description, quantity, unit)| {
            let unit_price = Money::from_cents(unit);
            let amount = crate::domain::invoice::line_net(
                crate::domain::invoice::Quantity::of_charge(&kind, quantity),
                unit_price,
            );
            ChargeView {
                date,
                kind,
                description,
                quantity,
                unit_price,
                amount,
            }
        })
        .collect();
    let total = charges.iter().fold(Money::ZERO, |sum, c| sum + c.amount);
    Ok(MonthCharges {
        month: month.to_string(),
        customer_id: customer,
        charges,
        total,
    })
}

// --- For the screens ---

/// One usage record (staff), for its correction form.
pub fn record(conn: &mut DbConn, by: &By, id: UsageId) -> Result<UsageRecord, ServiceError> {
    staff_only(by, "see usage records")?;
    Ok(to_record(&rows::find_record(conn, id.get())?)?)
}

/// Which of `bookings` stand charged as no-shows (a no-show charge that was not reversed), for
/// the front desk's board.
pub fn no_shows(
    conn: &mut DbConn,
    by: &By,
    bookings: &[BookingId],
) -> Result<Vec<BookingId>, ServiceError> {
    staff_only(by, "see no-shows")?;
    let mut found = Vec::new();
    for booking in bookings {
        if live_charge(conn, "booking", booking.get(), "no_show")?.is_some() {
            found.push(*booking);
        }
    }
    Ok(found)
}
