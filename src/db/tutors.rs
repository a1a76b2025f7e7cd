//! Rows and queries of tutors: the user a tutor resource belongs to, their skills, weekly
//! availability and time off, the tutor booked with a booking, and the tutor's blocks.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    bookings, resource_blocks, resources, tutor_availability, tutor_skills, tutor_time_off,
};
use super::{DbConn, DbError};

/// The user a tutor resource belongs to (`None`: not a tutor or not linked).
pub fn tutor_user(conn: &mut DbConn, tutor_id: i64) -> Result<Option<i64>, DbError> {
    Ok(resources::table
        .find(tutor_id)
        .select(resources::tutor_user_id)
        .first(conn)?)
}

/// The tutor resource a user is the tutor of, if any (the lowest id should several exist).
pub fn of_user(conn: &mut DbConn, user_id: i64) -> Result<Option<i64>, DbError> {
    Ok(resources::table
        .filter(resources::kind.eq("tutor"))
        .filter(resources::tutor_user_id.eq(user_id))
        .select(resources::id)
        .order(resources::id)
        .first(conn)
        .optional()?)
}

pub fn set_tutor_user(conn: &mut DbConn, tutor_id: i64, user_id: i64) -> Result<(), DbError> {
    diesel::update(resources::table.find(tutor_id))
        .set(resources::tutor_user_id.eq(Some(user_id)))
        .execute(conn)?;
    Ok(())
}

/// The machine category ids a tutor teaches.
pub fn skills(conn: &mut DbConn, tutor_id: i64) -> Result<Vec<i64>, DbError> {
    let rows: Vec<Option<i64>> = tutor_skills::table
        .filter(tutor_skills::tutor_id.eq(tutor_id))
        .select(tutor_skills::category_id)
        .order(tutor_skills::category_id)
        .load(conn)?;
    Ok(rows.into_iter().flatten().collect())
}

pub fn replace_skills(conn: &mut DbConn, tutor_id: i64, categories: &[i64]) -> Result<(), DbError> {
    diesel::delete(tutor_skills::table.filter(tutor_skills::tutor_id.eq(tutor_id)))
        .execute(conn)?;
    for category in categories {
        diesel::insert_into(tutor_skills::table)
            .values((
                tutor_skills::tutor_id.eq(tutor_id),
                tutor_skills::category_id.eq(Some(*category)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Weekly availability as (weekday, opens_minute, closes_minute).
pub type Slot = (i32, i32, i32);

pub fn availability(conn: &mut DbConn, tutor_id: i64) -> Result<Vec<Slot>, DbError> {
    Ok(tutor_availability::table
        .filter(tutor_availability::tutor_id.eq(tutor_id))
        .select((
            tutor_availability::weekday,
            tutor_availability::opens_minute,
            tutor_availability::closes_minute,
        ))
        .order((
            tutor_availability::weekday,
            tutor_availability::opens_minute,
        ))
        .load(conn)?)
}

pub fn replace_availability(
    conn: &mut DbConn,
    tutor_id: i64,
    slots: &[Slot],
) -> Result<(), DbError> {
    diesel::delete(tutor_availability::table.filter(tutor_availability::tutor_id.eq(tutor_id)))
        .execute(conn)?;
    for (weekday, opens, closes) in slots {
        diesel::insert_into(tutor_availability::table)
            .values((
                tutor_availability::tutor_id.eq(tutor_id),
                tutor_availability::weekday.eq(*weekday),
                tutor_availability::opens_minute.eq(*opens),
                tutor_availability::closes_minute.eq(*closes),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Time off as (starts_at, ends_at, reason).
pub type Absence = (NaiveDateTime, NaiveDateTime, String);

pub fn time_off(conn: &mut DbConn, tutor_id: i64) -> Result<Vec<Absence>, DbError> {
    Ok(tutor_time_off::table
        .filter(tutor_time_off::tutor_id.eq(tutor_id))
        .select((
            tutor_time_off::starts_at,
            tutor_time_off::ends_at,
            tutor_time_off::reason,
        ))
        .order(tutor_time_off::starts_at)
        .load(conn)?)
}

pub fn replace_time_off(
    conn: &mut DbConn,
    tutor_id: i64,
    absences: &[Absence],
) -> Result<(), DbError> {
    diesel::delete(tutor_time_off::table.filter(tutor_time_off::tutor_id.eq(tutor_id)))
        .execute(conn)?;
    for (starts_at, ends_at, reason) in absences {
        diesel::insert_into(tutor_time_off::table)
            .values((
                tutor_time_off::tutor_id.eq(tutor_id),
                tutor_time_off::starts_at.eq(*starts_at),
                tutor_time_off::ends_at.eq(*ends_at),
                tutor_time_off::reason.eq(reason),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records the tutor booked with a booking, so tutor hours can be billed from it.
pub fn set_booking_tutor(conn: &mut DbConn, booking_id: i64, tutor_id: i64) -> Result<(), DbError> {
    diesel::update(bookings::table.find(booking_id))
        .set(bookings::tutor_id.eq(Some(tutor_id)))
        .execute(conn)?;
    Ok(())
}

pub fn booking_tutor(conn: &mut DbConn, booking_id: i64) -> Result<Option<i64>, DbError> {
    Ok(bookings::table
        .find(booking_id)
        .select(bookings::tutor_id)
        .first(conn)?)
}

/// Moves a booking's live block on one resource; an overlap fails with `DbError::Overlap`.
pub fn move_block(
    conn: &mut DbConn,
    booking_id: i64,
    resource_id: i64,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    buffer_minutes: i64,
) -> Result<usize, DbError> {
    let blocks_until = ends_at + chrono::Duration::minutes(buffer_minutes);
    Ok(diesel::update(
        resource_blocks::table
            .filter(resource_blocks::booking_id.eq(booking_id))
            .filter(resource_blocks::resource_id.eq(resource_id))
            .filter(resource_blocks::status.eq("live")),
    )
    .set((
        resource_blocks::starts_at.eq(starts_at),
        resource_blocks::ends_at.eq(ends_at),
        resource_blocks::blocks_until.eq(blocks_until),
    ))
    .execute(conn)?)
}

/// A tutor's live blocks touching `[from, to)` with their booking's machine and customer:
/// (kind, starts_at, ends_at, booking id, booked resource id, customer id, session id).
pub type ScheduleRow = (
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

pub fn schedule(
    conn: &mut DbConn,
    tutor_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<ScheduleRow>, DbError> {
    Ok(resource_blocks::table
        .left_join(bookings::table.on(bookings::id.nullable().eq(resource_blocks::booking_id)))
        .filter(resource_blocks::resource_id.eq(tutor_id))
        .filter(resource_blocks::status.eq("live"))
        .filter(resource_blocks::starts_at.lt(to))
        .filter(resource_blocks::blocks_until.gt(from))
        .select((
            resource_blocks::kind,
            resource_blocks::starts_at,
            resource_blocks::ends_at,
            resource_blocks::booking_id,
            bookings::resource_id.nullable(),
            bookings::customer_id.nullable(),
            resource_blocks::session_id,
        ))
        .order((resource_blocks::starts_at, resource_blocks::id))
        .load(conn)?)
}
