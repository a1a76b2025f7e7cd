//! Rows and queries of bookings, the resource blocks they occupy, maintenance windows and the
//! charges ledger.
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    booking_reminders, booking_series, booking_settlements, bookings, charges, maintenance_windows,
    resource_blocks,
};
use super::{DbConn, DbError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bookings)]
pub struct BookingRow {
    pub id: i64,
    pub customer_id: i64,
    pub user_id: i64,
    pub resource_id: i64,
    pub series_id: Option<i64>,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub status: String,
    pub price_category: String,
    pub rate_cents: i64,
    pub sequence: i32,
    pub note: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = bookings)]
pub struct NewBookingRow<'a> {
    pub customer_id: i64,
    pub user_id: i64,
    pub resource_id: i64,
    pub series_id: Option<i64>,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub status: &'a str,
    pub price_category: &'a str,
    pub rate_cents: i64,
    pub note: &'a str,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_booking(conn: &mut DbConn, row: &NewBookingRow<'_>) -> Result<i64, DbError> {
    Ok(diesel::insert_into(bookings::table)
        .values(row)
        .returning(bookings::id)
        .get_result(conn)?)
}

pub fn insert_series(
    conn: &mut DbConn,
    customer_id: i64,
    user_id: i64,
    resource_id: i64,
    weeks: u32,
    now: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(booking_series::table)
        .values((
            booking_series::customer_id.eq(customer_id),
            booking_series::user_id.eq(user_id),
            booking_series::resource_id.eq(resource_id),
            booking_series::weeks.eq(i32::try_from(weeks).unwrap_or(i32::MAX)),
            booking_series::created_at.eq(now),
        ))
        .returning(booking_series::id)
        .get_result(conn)?)
}

pub fn find_booking(conn: &mut DbConn, id: i64) -> Result<BookingRow, DbError> {
    Ok(bookings::table
        .find(id)
        .select(BookingRow::as_select())
        .first(conn)?)
}

pub fn move_booking(
    conn: &mut DbConn,
    id: i64,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(bookings::table.find(id))
        .set((
            bookings::starts_at.eq(starts_at),
            bookings::ends_at.eq(ends_at),
            bookings::sequence.eq(bookings::sequence + 1),
            bookings::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn cancel_booking(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(bookings::table.find(id))
        .set((
            bookings::status.eq("cancelled"),
            bookings::sequence.eq(bookings::sequence + 1),
            bookings::cancelled_at.eq(now),
            bookings::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Which bookings to list: a time window, optionally one resource, one customer or one user.
#[derive(Debug, Default)]
pub struct BookingFilter {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub resource_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub user_id: Option<i64>,
    pub include_cancelled: bool,
    pub limit: i64,
}

pub fn list_bookings(
    conn: &mut DbConn,
    filter: &BookingFilter,
) -> Result<Vec<BookingRow>, DbError> {
    let mut query = bookings::table.select(BookingRow::as_select()).into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(bookings::ends_at.gt(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(bookings::starts_at.lt(to));
    }
    if let Some(resource) = filter.resource_id {
        query = query.filter(bookings::resource_id.eq(resource));
    }
    if let Some(customer) = filter.customer_id {
        query = query.filter(bookings::customer_id.eq(customer));
    }
    if let Some(user) = filter.user_id {
        query = query.filter(bookings::user_id.eq(user));
    }
    if !filter.include_cancelled {
        query = query.filter(bookings::status.eq("confirmed"));
    }
    Ok(query
        .order((bookings::starts_at, bookings::id))
        .limit(filter.limit)
        .load(conn)?)
}

// --- Resource blocks --------------------------------------------------------------------------

pub struct NewBlock<'a> {
    pub resource_id: i64,
    pub kind: &'a str,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub blocks_until: NaiveDateTime,
    pub booking_id: Option<i64>,
    pub maintenance_id: Option<i64>,
}

/// Inserts a live block; an overlap with another live block of the resource fails with
/// `DbError::Overlap`, raised by the database itself.
pub fn insert_block(
    conn: &mut DbConn,
    block: &NewBlock<'_>,
    now: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(resource_blocks::table)
        .values((
            resource_blocks::resource_id.eq(block.resource_id),
            resource_blocks::kind.eq(block.kind),
            resource_blocks::starts_at.eq(block.starts_at),
            resource_blocks::ends_at.eq(block.ends_at),
            resource_blocks::blocks_until.eq(block.blocks_until),
            resource_blocks::status.eq("live"),
            resource_blocks::booking_id.eq(block.booking_id),
            resource_blocks::maintenance_id.eq(block.maintenance_id),
            resource_blocks::created_at.eq(now),
        ))
        .returning(resource_blocks::id)
        .get_result(conn)?)
}

/// Moves the live blocks of a booking; an overlap fails with `DbError::Overlap`.
pub fn move_booking_blocks(
    conn: &mut DbConn,
    booking_id: i64,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    buffer_minutes: i64,
) -> Result<usize, DbError> {
    let blocks_until = ends_at + chrono::Duration::minutes(buffer_minutes);
    Ok(diesel::update(
        resource_blocks::table
            .filter(resource_blocks::booking_id.eq(booking_id))
            .filter(resource_blocks::status.eq("live")),
    )
    .set((
        resource_blocks::starts_at.eq(starts_at),
        resource_blocks::ends_at.eq(ends_at),
        resource_blocks::blocks_until.eq(blocks_until),
    ))
    .execute(conn)?)
}

pub fn release_booking_blocks(conn: &mut DbConn, booking_id: i64) -> Result<usize, DbError> {
    Ok(
        diesel::update(resource_blocks::table.filter(resource_blocks::booking_id.eq(booking_id)))
            .set(resource_blocks::status.eq("released"))
            .execute(conn)?,
    )
}

/// A live block as availability shows it: (kind, starts_at, blocks_until, booking id).
pub type BusySpan = (String, NaiveDateTime, NaiveDateTime, Option<i64>);

/// The live blocks of a resource that touch `[from, to)`, by start (uses the span index).
pub fn busy(
    conn: &mut DbConn,
    resource_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<BusySpan>, DbError> {
    Ok(resource_blocks::table
        .filter(resource_blocks::resource_id.eq(resource_id))
        .filter(resource_blocks::status.eq("live"))
        .filter(resource_blocks::starts_at.lt(to))
        .filter(resource_blocks::blocks_until.gt(from))
        .select((
            resource_blocks::kind,
            resource_blocks::starts_at,
            resource_blocks::blocks_until,
            resource_blocks::booking_id,
        ))
        .order(resource_blocks::starts_at)
        .load(conn)?)
}

/// Every pair of live blocks of one resource that overlap (should always be empty).
pub fn overlapping_pairs(conn: &mut DbConn) -> Result<i64, DbError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count: Count = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM resource_blocks a JOIN resource_blocks b
           ON a.resource_id = b.resource_id AND a.id < b.id
          WHERE a.status = 'live' AND b.status = 'live'
            AND a.starts_at < b.blocks_until AND b.starts_at < a.blocks_until",
    )
    .get_result(conn)?;
    Ok(count.n)
}

pub fn insert_maintenance(
    conn: &mut DbConn,
    resource_id: i64,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    reason: &str,
    now: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(maintenance_windows::table)
        .values((
            maintenance_windows::resource_id.eq(resource_id),
            maintenance_windows::starts_at.eq(starts_at),
            maintenance_windows::ends_at.eq(ends_at),
            maintenance_windows::reason.eq(reason),
            maintenance_windows::created_at.eq(now),
        ))
        .returning(maintenance_windows::id)
        .get_result(conn)?)
}

// --- Charges ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = charges)]
pub struct NewChargeRow<'a> {
    pub customer_id: i64,
    pub user_id: Option<i64>,
    pub kind: &'a str,
    pub source_type: &'a str,
    pub source_id: i64,
    pub revision: i32,
    pub service_date: NaiveDate,
    pub description: &'a str,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub price_category: &'a str,
    pub vat_category: &'a str,
    pub machine_category_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// Writes a charge once: a second write with the same (source, kind, revision) changes nothing.
/// Returns whether this call wrote it.
pub fn insert_charge_once(conn: &mut DbConn, row: &NewChargeRow<'_>) -> Result<bool, DbError> {
    Ok(crate::insert_ignore!(&mut *conn, charges::table, row.clone())? == 1)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = charges)]
pub struct ChargeRow {
    pub id: i64,
    pub customer_id: i64,
    pub kind: String,
    pub source_type: String,
    pub source_id: i64,
    pub service_date: NaiveDate,
    pub description: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
}

pub fn charges_for_source(
    conn: &mut DbConn,
    source_type: &str,
    source_id: i64,
) -> Result<Vec<ChargeRow>, DbError> {
    Ok(charges::table
        .filter(charges::source_type.eq(source_type))
        .filter(charges::source_id.eq(source_id))
        .select(ChargeRow::as_select())
        .order(charges::id)
        .load(conn)?)
}

/// Confirmed bookings with a tutor that ended at or before `until` and have no tutor charge yet,
/// oldest first: the tutor hours still to be charged.
pub fn tutor_hours_to_charge(
    conn: &mut DbConn,
    until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<BookingRow>, DbError> {
    let charged = charges::table
        .filter(charges::source_type.eq("booking"))
        .filter(charges::kind.eq("tutor"))
        .select(charges::source_id);
    Ok(bookings::table
        .filter(bookings::status.eq("confirmed"))
        .filter(bookings::tutor_id.is_not_null())
        .filter(bookings::ends_at.le(until))
        .filter(bookings::id.ne_all(charged))
        .select(BookingRow::as_select())
        .order((bookings::ends_at, bookings::id))
        .limit(limit)
        .load(conn)?)
}

// --- Per-booking queues (reminders, settlements) --------------------------------------------

/// The four functions of a per-booking job queue table (`booking_id` unique, `due_at`, `status`,
/// lease columns): schedule (or reschedule), skip, read a claimed row, finish.
macro_rules! booking_queue {
    ($table:ident, $schedule:ident, $skip:ident, $claimed:ident, $finish:ident) => {
        /// Schedules (or reschedules) the booking's item for `due_at`.
        pub fn $schedule(
            conn: &mut DbConn,
            booking_id: i64,
            due_at: NaiveDateTime,
        ) -> Result<(), DbError> {
            crate::insert_ignore!(
                &mut *conn,
                $table::table,
                (
                    $table::booking_id.eq(booking_id),
                    $table::due_at.eq(due_at),
                    $table::status.eq("pending"),
                )
            )?;
            diesel::update($table::table.filter($table::booking_id.eq(booking_id)))
                .set(($table::due_at.eq(due_at), $table::status.eq("pending")))
                .execute(conn)?;
            Ok(())
        }

        /// Skips the booking's item if it is still pending (a finished one keeps its outcome).
        pub fn $skip(conn: &mut DbConn, booking_id: i64) -> Result<(), DbError> {
            diesel::update(
                $table::table
                    .filter($table::booking_id.eq(booking_id))
                    .filter($table::status.eq("pending")),
            )
            .set($table::status.eq("skipped"))
            .execute(conn)?;
            Ok(())
        }

        /// A claimed item: its booking id, if still pending and leased by `owner`.
        pub fn $claimed(conn: &mut DbConn, id: i64, owner: &str) -> Result<Option<i64>, DbError> {
            Ok($table::table
                .find(id)
                .filter($table::status.eq("pending"))
                .filter($table::lease_owner.eq(owner))
                .select($table::booking_id)
                .first(conn)
                .optional()?)
        }

        pub fn $finish(conn: &mut DbConn, id: i64, status: &str) -> Result<(), DbError> {
            diesel::update($table::table.find(id))
                .set((
                    $table::status.eq(status),
                    $table::lease_owner.eq(None::<String>),
                    $table::lease_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            Ok(())
        }
    };
}

booking_queue!(
    booking_reminders,
    schedule_reminder,
    skip_reminder,
    claimed_reminder,
    finish_reminder
);
booking_queue!(
    booking_settlements,
    schedule_settlement,
    skip_settlement,
    claimed_settlement,
    finish_settlement
);
