//! Rows and queries of usage records and device events, and the charge lookups usage needs.
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::bookings::BookingRow;
use super::schema::{bookings, charges, usage_events, usage_records};
use super::{DbConn, DbError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = usage_records)]
pub struct UsageRow {
    pub id: i64,
    pub resource_id: i64,
    pub customer_id: Option<i64>,
    pub user_id: Option<i64>,
    pub booking_id: Option<i64>,
    pub source: String,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub status: String,
    pub revision: i32,
    pub note: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = usage_records)]
pub struct NewUsageRow<'a> {
    pub resource_id: i64,
    pub customer_id: Option<i64>,
    pub user_id: Option<i64>,
    pub booking_id: Option<i64>,
    pub source: &'a str,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub status: &'a str,
    pub note: &'a str,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_record(conn: &mut DbConn, row: &NewUsageRow<'_>) -> Result<i64, DbError> {
    Ok(diesel::insert_into(usage_records::table)
        .values(row.clone())
        .returning(usage_records::id)
        .get_result(conn)?)
}

pub fn find_record(conn: &mut DbConn, id: i64) -> Result<UsageRow, DbError> {
    Ok(usage_records::table
        .find(id)
        .select(UsageRow::as_select())
        .first(conn)?)
}

/// Closes an open record at `ended_at`. Returns whether it was open.
pub fn close_record(
    conn: &mut DbConn,
    id: i64,
    ended_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        usage_records::table
            .find(id)
            .filter(usage_records::status.eq("open")),
    )
    .set((
        usage_records::ended_at.eq(ended_at),
        usage_records::status.eq("closed"),
        usage_records::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// What a staff correction sets; the revision is raised by one.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = usage_records, treat_none_as_null = true)]
pub struct Correction<'a> {
    pub customer_id: Option<i64>,
    pub user_id: Option<i64>,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub status: &'a str,
    pub note: &'a str,
    pub updated_at: NaiveDateTime,
}

pub fn correct_record(conn: &mut DbConn, id: i64, change: &Correction<'_>) -> Result<(), DbError> {
    diesel::update(usage_records::table.find(id))
        .set((
            change.clone(),
            usage_records::revision.eq(usage_records::revision + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// The closed usage records of a booking.
pub fn closed_of_booking(conn: &mut DbConn, booking_id: i64) -> Result<Vec<UsageRow>, DbError> {
    Ok(usage_records::table
        .filter(usage_records::booking_id.eq(booking_id))
        .filter(usage_records::status.eq("closed"))
        .select(UsageRow::as_select())
        .order(usage_records::id)
        .load(conn)?)
}

/// Whether a booking has any usage record that is not void.
pub fn booking_was_used(conn: &mut DbConn, booking_id: i64) -> Result<bool, DbError> {
    let found: Option<i64> = usage_records::table
        .filter(usage_records::booking_id.eq(booking_id))
        .filter(usage_records::status.ne("void"))
        .select(usage_records::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// The confirmed booking of a resource that covers `at` (from `early` before its start).
pub fn booking_at(
    conn: &mut DbConn,
    resource_id: i64,
    at: NaiveDateTime,
    early: chrono::Duration,
) -> Result<Option<BookingRow>, DbError> {
    Ok(bookings::table
        .filter(bookings::resource_id.eq(resource_id))
        .filter(bookings::status.eq("confirmed"))
        .filter(bookings::starts_at.le(at + early))
        .filter(bookings::ends_at.gt(at))
        .select(BookingRow::as_select())
        .order(bookings::starts_at)
        .first(conn)
        .optional()?)
}

/// Which usage records to list.
#[derive(Debug, Default)]
pub struct UsageFilter {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub resource_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub user_id: Option<i64>,
    pub status: Option<String>,
    pub limit: i64,
}

pub fn list_records(conn: &mut DbConn, filter: &UsageFilter) -> Result<Vec<UsageRow>, DbError> {
    let mut query = usage_records::table
        .select(UsageRow::as_select())
        .into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(
            usage_records::ended_at
                .gt(from)
                .or(usage_records::ended_at.is_null()),
        );
    }
    if let Some(to) = filter.to {
        query = query.filter(usage_records::started_at.lt(to));
    }
    if let Some(resource) = filter.resource_id {
        query = query.filter(usage_records::resource_id.eq(resource));
    }
    if let Some(customer) = filter.customer_id {
        query = query.filter(usage_records::customer_id.eq(customer));
    }
    if let Some(user) = filter.user_id {
        query = query.filter(usage_records::user_id.eq(user));
    }
    if let Some(status) = &filter.status {
        query = query.filter(usage_records::status.eq(status.clone()));
    }
    Ok(query
        .order((usage_records::started_at.desc(), usage_records::id.desc()))
        .limit(filter.limit.max(1))
        .load(conn)?)
}

/// Open records that started before `before` (started and never stopped).
pub fn open_since(conn: &mut DbConn, before: NaiveDateTime) -> Result<Vec<UsageRow>, DbError> {
    Ok(usage_records::table
        .filter(usage_records::status.eq("open"))
        .filter(usage_records::started_at.lt(before))
        .select(UsageRow::as_select())
        .order(usage_records::started_at)
        .limit(500)
        .load(conn)?)
}

/// Closed records nobody is known to have used (no customer).
pub fn without_customer(conn: &mut DbConn) -> Result<Vec<UsageRow>, DbError> {
    Ok(usage_records::table
        .filter(usage_records::status.ne("void"))
        .filter(usage_records::customer_id.is_null())
        .select(UsageRow::as_select())
        .order(usage_records::started_at)
        .limit(500)
        .load(conn)?)
}

// --- Device events ----------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = usage_events)]
pub struct EventRow {
    pub id: i64,
    pub event_id: String,
    pub resource_id: i64,
    pub kind: String,
    pub at: NaiveDateTime,
    pub customer_id: Option<i64>,
    pub usage_id: Option<i64>,
    pub dismissed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = usage_events)]
pub struct NewEventRow<'a> {
    pub event_id: &'a str,
    pub resource_id: i64,
    pub kind: &'a str,
    pub at: NaiveDateTime,
    pub customer_id: Option<i64>,
    pub token_id: Option<i64>,
    pub received_at: NaiveDateTime,
}

/// Stores an event; a repeat of its `event_id` fails with `DbError::Unique`.
pub fn insert_event(conn: &mut DbConn, row: &NewEventRow<'_>) -> Result<i64, DbError> {
    Ok(diesel::insert_into(usage_events::table)
        .values(row.clone())
        .returning(usage_events::id)
        .get_result(conn)?)
}

pub fn event_by_key(conn: &mut DbConn, event_id: &str) -> Result<Option<EventRow>, DbError> {
    Ok(usage_events::table
        .filter(usage_events::event_id.eq(event_id))
        .select(EventRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_event(conn: &mut DbConn, id: i64) -> Result<EventRow, DbError> {
    Ok(usage_events::table
        .find(id)
        .select(EventRow::as_select())
        .first(conn)?)
}

pub fn link_event(conn: &mut DbConn, id: i64, usage_id: i64) -> Result<(), DbError> {
    diesel::update(usage_events::table.find(id))
        .set(usage_events::usage_id.eq(usage_id))
        .execute(conn)?;
    Ok(())
}

pub fn dismiss_event(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<bool, DbError> {
    Ok(diesel::update(
        usage_events::table
            .find(id)
            .filter(usage_events::usage_id.is_null())
            .filter(usage_events::dismissed_at.is_null()),
    )
    .set(usage_events::dismissed_at.eq(now))
    .execute(conn)?
        == 1)
}

/// The event of a resource next after `at` (`later`) or last before it, other than `except`,
/// ignoring dismissed ones: the neighbours a start or stop pairs with.
pub fn neighbour_event(
    conn: &mut DbConn,
    resource_id: i64,
    at: NaiveDateTime,
    except: i64,
    later: bool,
) -> Result<Option<EventRow>, DbError> {
    let query = usage_events::table
        .filter(usage_events::resource_id.eq(resource_id))
        .filter(usage_events::dismissed_at.is_null())
        .filter(usage_events::id.ne(except))
        .select(EventRow::as_select())
        .into_boxed();
    let query = if later {
        query
            .filter(usage_events::at.gt(at))
            .order((usage_events::at, usage_events::id))
    } else {
        query
            .filter(usage_events::at.lt(at))
            .order((usage_events::at.desc(), usage_events::id.desc()))
    };
    Ok(query.first(conn).optional()?)
}

/// The stop event that closed a record, if any.
pub fn stop_of(conn: &mut DbConn, usage_id: i64) -> Result<Option<EventRow>, DbError> {
    Ok(usage_events::table
        .filter(usage_events::usage_id.eq(usage_id))
        .filter(usage_events::kind.eq("stop"))
        .select(EventRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn unlink_event(conn: &mut DbConn, id: i64) -> Result<(), DbError> {
    diesel::update(usage_events::table.find(id))
        .set(usage_events::usage_id.eq(None::<i64>))
        .execute(conn)?;
    Ok(())
}

/// Sets a record's end (`None` opens it again), as re-pairing device events needs.
pub fn set_end(
    conn: &mut DbConn,
    id: i64,
    ended_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(usage_records::table.find(id))
        .set((
            usage_records::ended_at.eq(ended_at),
            usage_records::status.eq(if ended_at.is_some() { "closed" } else { "open" }),
            usage_records::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stops that arrived before `before` and never found their start.
pub fn lonely_stops(conn: &mut DbConn, before: NaiveDateTime) -> Result<Vec<EventRow>, DbError> {
    Ok(usage_events::table
        .filter(usage_events::kind.eq("stop"))
        .filter(usage_events::usage_id.is_null())
        .filter(usage_events::dismissed_at.is_null())
        .filter(usage_events::received_at.lt(before))
        .select(EventRow::as_select())
        .order(usage_events::at)
        .limit(500)
        .load(conn)?)
}

// --- Charges ----------------------------------------------------------------------------------

/// The latest revision of a charge kind for a source.
#[derive(Debug, Clone, Queryable)]
pub struct LatestCharge {
    pub revision: i32,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub description: String,
    pub service_date: NaiveDate,
}

pub fn latest_charge(
    conn: &mut DbConn,
    source_type: &str,
    source_id: i64,
    kind: &str,
) -> Result<Option<LatestCharge>, DbError> {
    Ok(charges::table
        .filter(charges::source_type.eq(source_type))
        .filter(charges::source_id.eq(source_id))
        .filter(charges::kind.eq(kind))
        .select((
            charges::revision,
            charges::quantity,
            charges::unit_price_cents,
            charges::description,
            charges::service_date,
        ))
        .order(charges::revision.desc())
        .first(conn)
        .optional()?)
}

/// Whether a charge of a source, kind and revision has been reversed.
pub fn is_reversed(
    conn: &mut DbConn,
    source_type: &str,
    source_id: i64,
    revision: i32,
) -> Result<bool, DbError> {
    let found: Option<i64> = charges::table
        .filter(charges::source_type.eq(source_type))
        .filter(charges::source_id.eq(source_id))
        .filter(charges::kind.eq("reversal"))
        .filter(charges::revision.eq(revision))
        .select(charges::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// A customer's charges with a service date in `[from, to]`: (date, kind, description,
/// quantity, unit price).
pub type ChargeLine = (NaiveDate, String, String, i64, i64);

pub fn charges_of_customer(
    conn: &mut DbConn,
    customer_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ChargeLine>, DbError> {
    Ok(charges::table
        .filter(charges::customer_id.eq(customer_id))
        .filter(charges::service_date.ge(from))
        .filter(charges::service_date.le(to))
        .select((
            charges::service_date,
            charges::kind,
            charges::description,
            charges::quantity,
            charges::unit_price_cents,
        ))
        .order((charges::service_date, charges::id))
        .limit(2000)
        .load(conn)?)
}
