//! Rows and queries of courses, training sessions, their machines and enrollments. Seats only
//! move through `take_seat` / `release_seat`: guarded updates, never a count followed by an insert.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    courses, enrollments, resource_blocks, session_machines, training_sessions, tutor_courses,
    users,
};
use super::{DbConn, DbError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = courses)]
pub struct CourseRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub qualification_id: Option<i64>,
    pub free_cancel_hours: i32,
    pub late_cancel_percent: i32,
    pub no_show_fee_cents: i64,
    pub active: bool,
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = courses)]
pub struct CourseValues<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub qualification_id: Option<i64>,
    pub free_cancel_hours: i32,
    pub late_cancel_percent: i32,
    pub no_show_fee_cents: i64,
    pub updated_at: NaiveDateTime,
}

pub fn insert_course(
    conn: &mut DbConn,
    values: &CourseValues<'_>,
    now: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(courses::table)
        .values((values.clone(), courses::created_at.eq(now)))
        .returning(courses::id)
        .get_result(conn)?)
}

pub fn update_course(conn: &mut DbConn, id: i64, values: &CourseValues<'_>) -> Result<(), DbError> {
    let changed = diesel::update(courses::table.find(id))
        .set(values.clone())
        .execute(conn)?;
    if changed == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

pub fn find_course(conn: &mut DbConn, id: i64) -> Result<CourseRow, DbError> {
    Ok(courses::table
        .find(id)
        .select(CourseRow::as_select())
        .first(conn)?)
}

pub fn list_courses(conn: &mut DbConn) -> Result<Vec<CourseRow>, DbError> {
    Ok(courses::table
        .select(CourseRow::as_select())
        .order(courses::name)
        .load(conn)?)
}

/// The names of the active courses that grant a qualification.
pub fn courses_granting(conn: &mut DbConn, qualification: i64) -> Result<Vec<String>, DbError> {
    Ok(courses::table
        .filter(courses::qualification_id.eq(qualification))
        .filter(courses::active.eq(true))
        .select(courses::name)
        .order(courses::name)
        .load(conn)?)
}

// --- Tutors' courses --------------------------------------------------------------------------

pub fn tutor_courses(conn: &mut DbConn, tutor_id: i64) -> Result<Vec<i64>, DbError> {
    Ok(tutor_courses::table
        .filter(tutor_courses::tutor_id.eq(tutor_id))
        .select(tutor_courses::course_id)
        .order(tutor_courses::course_id)
        .load(conn)?)
}

pub fn replace_tutor_courses(
    conn: &mut DbConn,
    tutor_id: i64,
    courses: &[i64],
) -> Result<(), DbError> {
    diesel::delete(tutor_courses::table.filter(tutor_courses::tutor_id.eq(tutor_id)))
        .execute(conn)?;
    for course in courses {
        diesel::insert_into(tutor_courses::table)
            .values((
                tutor_courses::tutor_id.eq(tutor_id),
                tutor_courses::course_id.eq(course),
            ))
            .execute(conn)?;
    }
    Ok(())
}

// --- Sessions ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = training_sessions)]
pub struct SessionRow {
    pub id: i64,
    pub course_id: i64,
    pub tutor_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub seats: i32,
    pub taken: i32,
    pub seat_member_cents: i64,
    pub seat_business_cents: i64,
    pub seat_public_cents: i64,
    pub status: String,
    pub sequence: i32,
    pub note: String,
    pub updated_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = training_sessions)]
pub struct NewSessionRow<'a> {
    pub course_id: i64,
    pub tutor_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub seats: i32,
    pub seat_member_cents: i64,
    pub seat_business_cents: i64,
    pub seat_public_cents: i64,
    pub status: &'a str,
    pub note: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_session(conn: &mut DbConn, row: &NewSessionRow<'_>) -> Result<i64, DbError> {
    Ok(diesel::insert_into(training_sessions::table)
        .values(row.clone())
        .returning(training_sessions::id)
        .get_result(conn)?)
}

pub fn find_session(conn: &mut DbConn, id: i64) -> Result<SessionRow, DbError> {
    Ok(training_sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)?)
}

/// Which sessions to list.
#[derive(Debug, Default)]
pub struct SessionFilter {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub course_id: Option<i64>,
    pub tutor_id: Option<i64>,
    pub include_cancelled: bool,
    pub limit: i64,
}

pub fn list_sessions(
    conn: &mut DbConn,
    filter: &SessionFilter,
) -> Result<Vec<SessionRow>, DbError> {
    let mut query = training_sessions::table
        .select(SessionRow::as_select())
        .into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(training_sessions::ends_at.gt(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(training_sessions::starts_at.lt(to));
    }
    if let Some(course) = filter.course_id {
        query = query.filter(training_sessions::course_id.eq(course));
    }
    if let Some(tutor) = filter.tutor_id {
        query = query.filter(training_sessions::tutor_id.eq(tutor));
    }
    if !filter.include_cancelled {
        query = query.filter(training_sessions::status.eq("scheduled"));
    }
    Ok(query
        .order((training_sessions::starts_at, training_sessions::id))
        .limit(filter.limit.max(1))
        .load(conn)?)
}

/// Takes one seat if one is left: `UPDATE … SET taken = taken + 1 WHERE taken < seats`. Returns
/// whether a seat was taken; concurrent callers are serialised on the row by the database.
pub fn take_seat(conn: &mut DbConn, session_id: i64, now: NaiveDateTime) -> Result<bool, DbError> {
    let changed = diesel::update(
        training_sessions::table
            .filter(training_sessions::id.eq(session_id))
            .filter(training_sessions::status.eq("scheduled"))
            .filter(training_sessions::taken.lt(training_sessions::seats)),
    )
    .set((
        training_sessions::taken.eq(training_sessions::taken + 1),
        training_sessions::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Gives one seat back.
pub fn release_seat(conn: &mut DbConn, session_id: i64, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(
        training_sessions::table
            .filter(training_sessions::id.eq(session_id))
            .filter(training_sessions::taken.gt(0)),
    )
    .set((
        training_sessions::taken.eq(training_sessions::taken - 1),
        training_sessions::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Sets the number of seats, never below the seats already taken. Returns whether it changed.
pub fn set_seats(
    conn: &mut DbConn,
    session_id: i64,
    seats: i32,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        training_sessions::table
            .filter(training_sessions::id.eq(session_id))
            .filter(training_sessions::taken.le(seats)),
    )
    .set((
        training_sessions::seats.eq(seats),
        training_sessions::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn cancel_session(
    conn: &mut DbConn,
    session_id: i64,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(training_sessions::table.find(session_id))
        .set((
            training_sessions::status.eq("cancelled"),
            training_sessions::taken.eq(0),
            training_sessions::sequence.eq(training_sessions::sequence + 1),
            training_sessions::cancelled_at.eq(now),
            training_sessions::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn add_session_machine(
    conn: &mut DbConn,
    session_id: i64,
    machine: i64,
) -> Result<(), DbError> {
    diesel::insert_into(session_machines::table)
        .values((
            session_machines::session_id.eq(session_id),
            session_machines::resource_id.eq(machine),
        ))
        .execute(conn)?;
    Ok(())
}

/// The machines of each of `sessions`: (session id, machine id).
pub fn session_machines(conn: &mut DbConn, sessions: &[i64]) -> Result<Vec<(i64, i64)>, DbError> {
    Ok(session_machines::table
        .filter(session_machines::session_id.eq_any(sessions))
        .select((session_machines::session_id, session_machines::resource_id))
        .order((session_machines::session_id, session_machines::resource_id))
        .load(conn)?)
}

/// The sessions that occupy a machine and touch `[from, to)`.
pub fn sessions_of_machine(
    conn: &mut DbConn,
    machine: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<SessionRow>, DbError> {
    Ok(training_sessions::table
        .inner_join(
            session_machines::table.on(session_machines::session_id.eq(training_sessions::id)),
        )
        .filter(session_machines::resource_id.eq(machine))
        .filter(training_sessions::ends_at.gt(from))
        .filter(training_sessions::starts_at.lt(to))
        .select(SessionRow::as_select())
        .order(training_sessions::starts_at)
        .load(conn)?)
}

/// Occupies a resource for a session; an overlap fails with `DbError::Overlap`.
pub fn insert_session_block(
    conn: &mut DbConn,
    resource_id: i64,
    session_id: i64,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    blocks_until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(resource_blocks::table)
        .values((
            resource_blocks::resource_id.eq(resource_id),
            resource_blocks::kind.eq("session"),
            resource_blocks::starts_at.eq(starts_at),
            resource_blocks::ends_at.eq(ends_at),
            resource_blocks::blocks_until.eq(blocks_until),
            resource_blocks::status.eq("live"),
            resource_blocks::session_id.eq(session_id),
            resource_blocks::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn release_session_blocks(conn: &mut DbConn, session_id: i64) -> Result<(), DbError> {
    diesel::update(resource_blocks::table.filter(resource_blocks::session_id.eq(session_id)))
        .set(resource_blocks::status.eq("released"))
        .execute(conn)?;
    Ok(())
}

// --- Enrollments ------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enrollments)]
pub struct EnrollmentRow {
    pub id: i64,
    pub session_id: i64,
    pub customer_id: i64,
    pub user_id: i64,
    pub status: String,
    pub price_category: String,
    pub seat_price_cents: i64,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = enrollments)]
pub struct NewEnrollmentRow<'a> {
    pub session_id: i64,
    pub customer_id: i64,
    pub user_id: i64,
    pub status: &'a str,
    pub price_category: &'a str,
    pub seat_price_cents: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
}

/// Inserts an enrollment; a second live one of the same person fails with `DbError::Unique`.
pub fn insert_enrollment(conn: &mut DbConn, row: &NewEnrollmentRow<'_>) -> Result<i64, DbError> {
    Ok(diesel::insert_into(enrollments::table)
        .values(row.clone())
        .returning(enrollments::id)
        .get_result(conn)?)
}

pub fn find_enrollment(conn: &mut DbConn, id: i64) -> Result<EnrollmentRow, DbError> {
    Ok(enrollments::table
        .find(id)
        .select(EnrollmentRow::as_select())
        .first(conn)?)
}

pub fn set_enrollment_status(
    conn: &mut DbConn,
    id: i64,
    status: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let cancelled_at = (status == "cancelled").then_some(now);
    let confirmed_at = (status == "confirmed").then_some(now);
    diesel::update(enrollments::table.find(id))
        .set((
            enrollments::status.eq(status),
            enrollments::updated_at.eq(now),
            enrollments::cancelled_at.eq(cancelled_at),
        ))
        .execute(conn)?;
    if confirmed_at.is_some() {
        diesel::update(enrollments::table.find(id))
            .set(enrollments::confirmed_at.eq(confirmed_at))
            .execute(conn)?;
    }
    Ok(())
}

/// An enrollment with the name of its person.
pub type NamedEnrollment = (EnrollmentRow, String);

/// Every enrollment of a session, in sign-up order (the waiting list's order).
pub fn of_session(conn: &mut DbConn, session_id: i64) -> Result<Vec<NamedEnrollment>, DbError> {
    Ok(enrollments::table
        .inner_join(users::table)
        .filter(enrollments::session_id.eq(session_id))
        .select((EnrollmentRow::as_select(), users::name))
        .order(enrollments::id)
        .load(conn)?)
}

/// Enrollments of some users (or of a customer), newest session first.
pub fn of_people(
    conn: &mut DbConn,
    user_id: Option<i64>,
    customer_id: Option<i64>,
    limit: i64,
) -> Result<Vec<NamedEnrollment>, DbError> {
    let mut query = enrollments::table
        .inner_join(users::table)
        .inner_join(training_sessions::table)
        .select((EnrollmentRow::as_select(), users::name))
        .into_boxed();
    if let Some(user) = user_id {
        query = query.filter(enrollments::user_id.eq(user));
    }
    if let Some(customer) = customer_id {
        query = query.filter(enrollments::customer_id.eq(customer));
    }
    Ok(query
        .order((training_sessions::starts_at.desc(), enrollments::id))
        .limit(limit)
        .load(conn)?)
}

/// The first in line for a session, if anyone is waiting.
pub fn first_waiting(conn: &mut DbConn, session_id: i64) -> Result<Option<EnrollmentRow>, DbError> {
    Ok(enrollments::table
        .filter(enrollments::session_id.eq(session_id))
        .filter(enrollments::status.eq("waitlisted"))
        .select(EnrollmentRow::as_select())
        .order(enrollments::id)
        .first(conn)
        .optional()?)
}

/// A waiting enrollment's place in line: 1 + how many of the same session wait before it.
pub fn position(conn: &mut DbConn, session_id: i64, enrollment_id: i64) -> Result<i64, DbError> {
    let ahead: i64 = enrollments::table
        .filter(enrollments::session_id.eq(session_id))
        .filter(enrollments::status.eq("waitlisted"))
        .filter(enrollments::id.lt(enrollment_id))
        .count()
        .get_result(conn)?;
    Ok(ahead + 1)
}

/// How many wait for each of `sessions`: (session id, count).
pub fn waiting_counts(conn: &mut DbConn, sessions: &[i64]) -> Result<Vec<(i64, i64)>, DbError> {
    Ok(enrollments::table
        .filter(enrollments::session_id.eq_any(sessions))
        .filter(enrollments::status.eq("waitlisted"))
        .group_by(enrollments::session_id)
        .select((enrollments::session_id, diesel::dsl::count_star()))
        .load(conn)?)
}
