//! Manufacturing training: staff manage courses and sessions; members (and business admins for
//! their employees) sign up for seats or join a FIFO waiting list; a freed seat goes to the first
//! in line in the same transaction; staff or the session's tutor mark attendance, which grants the
//! course's qualification; a session cancelled by the workshop reverses every seat charge.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Months, NaiveDateTime, Utc};
use serde::Serialize;

use super::audit::{self, Changes};
use super::bookings::{host_of, when, Context};
use super::{now, staff_only, By, ServiceError};
use crate::db::accounts as account_rows;
use crate::db::bookings::{self as booking_rows, NewChargeRow};
use crate::db::resources as resource_rows;
use crate::db::training::{
    self as rows, CourseRow, CourseValues, EnrollmentRow, NewEnrollmentRow, NewSessionRow,
    SessionFilter, SessionRow,
};
use crate::db::tutors as tutor_rows;
use crate::db::{lock_row, timestamp, write_tx, DbConn, DbError};
use crate::documents::ics::{self, CalendarEvent, Method};
use crate::domain::booking::{check_calendar, Calendar};
use crate::domain::resources::{Rates, ResourceKind};
use crate::domain::training::{
    Attendance, Course, Enrollment, EnrollmentStatus, NewSession, Session, SessionStatus,
};
use crate::domain::{
    CourseId, CustomerId, CustomerKind, EnrollmentId, Money, PriceCategory, QualificationId,
    ResourceId, Role, SessionId, User, UserId,
};
use crate::mail::{self, OutgoingMail, Recipient};

// --- Courses ----------------------------------------------------------------------------------

fn to_course(row: CourseRow) -> Course {
    Course {
        id: CourseId::new(row.id),
        name: row.name,
        description: row.description,
        qualification_id: row.qualification_id.map(QualificationId::new),
        free_cancel_hours: i64::from(row.free_cancel_hours),
        late_cancel_percent: i64::from(row.late_cancel_percent),
        no_show_fee: Money::from_cents(row.no_show_fee_cents),
        active: row.active,
    }
}

pub fn courses(conn: &mut DbConn) -> Result<Vec<Course>, ServiceError> {
    Ok(rows::list_courses(conn)?
        .into_iter()
        .map(to_course)
        .collect())
}

pub fn course(conn: &mut DbConn, id: CourseId) -> Result<Course, ServiceError> {
    Ok(to_course(rows::find_course(conn, id.get())?))
}

fn course_values(course: &Course, at: NaiveDateTime) -> CourseValues<'_> {
    CourseValues {
        name: &course.name,
        description: &course.description,
        qualification_id: course.qualification_id.map(QualificationId::get),
        free_cancel_hours: i32::try_from(course.free_cancel_hours).unwrap_or(i32::MAX),
        late_cancel_percent: i32::try_from(course.late_cancel_percent).unwrap_or(100),
        no_show_fee_cents: course.no_show_fee.cents(),
        updated_at: at,
    }
}

fn check_qualification(conn: &mut DbConn, course: &Course) -> Result<(), ServiceError> {
    if let Some(q) = course.qualification_id {
        resource_rows::qualification_name(conn, q)
            .map_err(|_| ServiceError::Invalid(format!("There is no qualification {q}.")))?;
    }
    Ok(())
}

fn name_taken(name: &str) -> impl Fn(DbError) -> ServiceError + '_ {
    move |e| match e {
        DbError::Unique(_) => {
            ServiceError::Conflict(format!("There is already a course named '{name}'."))
        }
        other => other.into(),
    }
}

pub fn create_course(conn: &mut DbConn, by: &By, course: &Course) -> Result<Course, ServiceError> {
    staff_only(by, "add courses")?;
    write_tx(conn, |c| {
        check_qualification(c, course)?;
        let at = timestamp(now());
        let id = rows::insert_course(c, &course_values(course, at), at)
            .map_err(name_taken(&course.name))?;
        let created = to_course(rows::find_course(c, id)?);
        let changes = Changes::new()
            .set("name", &created.name)
            .set("qualification_id", &created.qualification_id)
            .set("free_cancel_hours", &created.free_cancel_hours)
            .set("late_cancel_percent", &created.late_cancel_percent)
            .set("no_show_fee", &created.no_show_fee);
        audit::record(c, by, "course.create", "course", Some(id), changes)?;
        Ok(created)
    })
}

pub fn update_course(conn: &mut DbConn, by: &By, course: &Course) -> Result<Course, ServiceError> {
    staff_only(by, "change courses")?;
    write_tx(conn, |c| {
        let old = to_course(rows::find_course(c, course.id.get())?);
        check_qualification(c, course)?;
        rows::update_course(c, course.id.get(), &course_values(course, timestamp(now())))
            .map_err(name_taken(&course.name))?;
        let new = to_course(rows::find_course(c, course.id.get())?);
        let changes = Changes::new()
            .field("name", &old.name, &new.name)
            .field("description", &old.description, &new.description)
            .field(
                "qualification_id",
                &old.qualification_id,
                &new.qualification_id,
            )
            .field(
                "free_cancel_hours",
                &old.free_cancel_hours,
                &new.free_cancel_hours,
            )
            .field(
                "late_cancel_percent",
                &old.late_cancel_percent,
                &new.late_cancel_percent,
            )
            .field("no_show_fee", &old.no_show_fee, &new.no_show_fee);
        if !changes.is_empty() {
            audit::record(
                c,
                by,
                "course.update",
                "course",
                Some(new.id.get()),
                changes,
            )?;
        }
        Ok(new)
    })
}

// --- Sessions ---------------------------------------------------------------------------------

/// Sessions with their course's and tutor's names, machines and waiting-list lengths.
fn to_sessions(conn: &mut DbConn, rows: Vec<SessionRow>) -> Result<Vec<Session>, ServiceError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let courses: HashMap<i64, String> = rows::list_courses(conn)?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let names: HashMap<i64, String> = resource_rows::list(conn)?
        .into_iter()
        .map(|r| (r.id.get(), r.name))
        .collect();
    let mut machines: HashMap<i64, Vec<ResourceId>> = HashMap::new();
    for (session, machine) in rows::session_machines(conn, &ids)? {
        machines
            .entry(session)
            .or_default()
            .push(ResourceId::new(machine));
    }
    let waiting: HashMap<i64, i64> = rows::waiting_counts(conn, &ids)?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|row| Session {
            id: SessionId::new(row.id),
            course_id: CourseId::new(row.course_id),
            course_name: courses.get(&row.course_id).cloned().unwrap_or_default(),
            tutor_id: ResourceId::new(row.tutor_id),
            tutor_name: names.get(&row.tutor_id).cloned().unwrap_or_default(),
            starts_at: row.starts_at.and_utc(),
            ends_at: row.ends_at.and_utc(),
            seats: row.seats,
            seats_taken: row.taken,
            seats_left: (row.seats - row.taken).max(0),
            waiting: waiting.get(&row.id).copied().unwrap_or(0),
            seat_prices: Rates {
                member: Money::from_cents(row.seat_member_cents),
                business: Money::from_cents(row.seat_business_cents),
                public: Money::from_cents(row.seat_public_cents),
            },
            machine_ids: machines.remove(&row.id).unwrap_or_default(),
            status: if row.status == "cancelled" {
                SessionStatus::Cancelled
            } else {
                SessionStatus::Scheduled
            },
            sequence: row.sequence,
            note: row.note,
        })
        .collect())
}

pub fn session(conn: &mut DbConn, id: SessionId) -> Result<Session, ServiceError> {
    let row = rows::find_session(conn, id.get())?;
    to_sessions(conn, vec![row])?
        .pop()
        .ok_or(ServiceError::NotFound)
}

/// Which sessions to list; by default the scheduled ones that have not ended.
#[derive(Debug, Default, Clone)]
pub struct SessionQuery {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub course_id: Option<CourseId>,
    pub tutor_id: Option<ResourceId>,
    pub include_cancelled: bool,
}

/// The catalog: public, so it takes no caller.
pub fn sessions(conn: &mut DbConn, query: &SessionQuery) -> Result<Vec<Session>, ServiceError> {
    let filter = SessionFilter {
        from: Some(timestamp(query.from.unwrap_or_else(now))),
        to: query.to.map(timestamp),
        course_id: query.course_id.map(CourseId::get),
        tutor_id: query.tutor_id.map(ResourceId::get),
        include_cancelled: query.include_cancelled,
        limit: 500,
    };
    let found = rows::list_sessions(conn, &filter)?;
    to_sessions(conn, found)
}

/// Schedules a session: the tutor must teach the course and be available; the tutor's time and
/// the machines are blocked in the same transaction (all or nothing, 409 if any is taken).
pub fn create_session(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    new: &NewSession,
) -> Result<Session, ServiceError> {
    staff_only(by, "schedule training sessions")?;
    if new.starts_at <= now() {
        return Err(ServiceError::Invalid(
            "A session must start in the future.".into(),
        ));
    }
    write_tx(conn, |c| {
        let course = rows::find_course(c, new.course_id.get()).map_err(|e| match e {
            DbError::NotFound => {
                ServiceError::Invalid(format!("There is no course {}.", new.course_id))
            }
            other => other.into(),
        })?;
        let tutor = super::tutors::find(c, new.tutor_id).map_err(|e| match e {
            ServiceError::NotFound => {
                ServiceError::Invalid(format!("There is no tutor {}.", new.tutor_id))
            }
            other => other,
        })?;
        if !rows::tutor_courses(c, tutor.resource.id.get())?.contains(&course.id) {
            return Err(ServiceError::Invalid(format!(
                "{} does not teach {}; add the course to the tutor's skills first.",
                tutor.resource.name, course.name
            )));
        }
        tutor
            .check_available(ctx.tz, new.starts_at, new.ends_at)
            .map_err(|rule| ServiceError::Invalid(capitalise(&rule.to_string())))?;
        check_workshop_open(c, ctx, new)?;
        let mut machines = Vec::new();
        for id in &new.machine_ids {
            let machine = match resource_rows::find(c, *id) {
                Ok(m) if m.kind == ResourceKind::Machine => m,
                Ok(_) | Err(DbError::NotFound) => {
                    return Err(ServiceError::Invalid(format!("There is no machine {id}.")))
                }
                Err(other) => return Err(other.into()),
            };
            if machine.out_of_service {
                return Err(ServiceError::Invalid(format!(
                    "{} is out of service.",
                    machine.name
                )));
            }
            machines.push(machine);
        }
        let at = timestamp(now());
        let (start, end) = (timestamp(new.starts_at), timestamp(new.ends_at));
        let id = rows::insert_session(
            c,
            &NewSessionRow {
                course_id: course.id,
                tutor_id: tutor.resource.id.get(),
                starts_at: start,
                ends_at: end,
                seats: new.seats,
                seat_member_cents: new.seat_prices.member.cents(),
                seat_business_cents: new.seat_prices.business.cents(),
                seat_public_cents: new.seat_prices.public.cents(),
                status: "scheduled",
                note: &new.note,
                created_at: at,
                updated_at: at,
            },
        )?;
        for resource in std::iter::once(&tutor.resource).chain(machines.iter()) {
            if resource.kind == ResourceKind::Machine {
                rows::add_session_machine(c, id, resource.id.get())?;
            }
            let until = end + Duration::minutes(resource.rules.buffer_minutes);
            rows::insert_session_block(c, resource.id.get(), id, start, end, until, at).map_err(
                |e| match e {
                    DbError::Overlap(_) => ServiceError::Conflict(format!(
                        "{} is already taken then; choose another time.",
                        resource.name
                    )),
                    other => other.into(),
                },
            )?;
        }
        let session = session(c, SessionId::new(id))?;
        let changes = Changes::new()
            .set("course_id", &session.course_id)
            .set("tutor_id", &session.tutor_id)
            .set("starts_at", &session.starts_at)
            .set("ends_at", &session.ends_at)
            .set("seats", &session.seats)
            .set("seat_prices", &session.seat_prices)
            .set("machine_ids", &session.machine_ids);
        audit::record(
            c,
            by,
            "session.create",
            "training_session",
            Some(id),
            changes,
        )?;
        Ok(session)
    })
}

/// A session runs while the workshop is open: inside opening hours, not on a closure.
fn check_workshop_open(
    c: &mut DbConn,
    ctx: &Context<'_>,
    new: &NewSession,
) -> Result<(), ServiceError> {
    let hours = resource_rows::weekly_hours(c)?;
    let closures = resource_rows::closures_between(
        c,
        ctx.tz.local_date(new.starts_at),
        ctx.tz.local_date(new.ends_at),
    )?;
    let calendar = Calendar {
        tz: ctx.tz,
        hours: &hours,
        closures: &closures,
        now: now(),
    };
    check_calendar(&calendar, new.starts_at, new.ends_at)
        .map_err(|rule| ServiceError::Invalid(capitalise(&rule.to_string())))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>() + "."
    })
}

/// Changes the number of seats (never below those taken); added seats go to the waiting list.
pub fn set_seats(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    id: SessionId,
    seats: i32,
) -> Result<Session, ServiceError> {
    staff_only(by, "change seats")?;
    write_tx(conn, |c| {
        lock_row(c, "training_sessions", id.get())?;
        let row = rows::find_session(c, id.get())?;
        if row.status != "scheduled" {
            return Err(ServiceError::Conflict("This session is cancelled.".into()));
        }
        if !rows::set_seats(c, id.get(), seats, timestamp(now()))? {
            return Err(ServiceError::Conflict(format!(
                "{} seats are already taken; the session cannot have fewer.",
                row.taken
            )));
        }
        let promoted = promote_waiting(c, ctx, id)?;
        let changes = Changes::new()
            .field("seats", &row.seats, &seats)
            .set("promoted", &promoted);
        audit::record(
            c,
            by,
            "session.seats",
            "training_session",
            Some(id.get()),
            changes,
        )?;
        session(c, id)
    })
}

/// Cancels a session for everyone: its blocks are freed, every seat charge is reversed, and
/// everyone enrolled or waiting is told by mail. Nobody is charged.
pub fn cancel_session(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    id: SessionId,
) -> Result<Session, ServiceError> {
    staff_only(by, "cancel training sessions")?;
    write_tx(conn, |c| {
        lock_row(c, "training_sessions", id.get())?;
        let row = rows::find_session(c, id.get())?;
        if row.status != "scheduled" {
            return Err(ServiceError::Conflict(
                "This session is already cancelled.".into(),
            ));
        }
        if row.ends_at.and_utc() <= now() {
            return Err(ServiceError::Conflict(
                "This session has already taken place; correct its charges instead.".into(),
            ));
        }
        let people = rows::of_session(c, id.get())?;
        if people
            .iter()
            .any(|(e, _)| matches!(e.status.as_str(), "attended" | "no_show"))
        {
            return Err(ServiceError::Conflict(
                "Attendance is already recorded for this session; it cannot be cancelled.".into(),
            ));
        }
        let at = timestamp(now());
        rows::cancel_session(c, id.get(), at)?;
        rows::release_session_blocks(c, id.get())?;
        let row = rows::find_session(c, id.get())?;
        let course = to_course(rows::find_course(c, row.course_id)?);
        let mut told = 0;
        for (enrollment, _) in &people {
            if !matches!(enrollment.status.as_str(), "confirmed" | "waitlisted") {
                continue;
            }
            let held_seat = enrollment.status == "confirmed";
            rows::set_enrollment_status(c, enrollment.id, "cancelled", at)?;
            if held_seat {
                reverse_seat(c, ctx, enrollment, &row, &course)?;
            }
            let reason = format!(
                "we are sorry: the workshop has cancelled the {} session on {}.",
                course.name,
                when(ctx.tz, row.starts_at.and_utc(), row.ends_at.and_utc())
            );
            let fee_line = if held_seat {
                "You are not charged for it.".to_string()
            } else {
                "You were on the waiting list; nothing is charged.".to_string()
            };
            notify(
                c,
                ctx,
                enrollment,
                &row,
                &course,
                Notice::Cancelled { reason, fee_line },
            )?;
            told += 1;
        }
        let changes = Changes::new()
            .field("status", &"scheduled", &"cancelled")
            .set("people_told", &told);
        audit::record(
            c,
            by,
            "session.cancel",
            "training_session",
            Some(id.get()),
            changes,
        )?;
        session(c, id)
    })
}

// --- Enrollments ------------------------------------------------------------------------------

fn to_enrollment(
    row: &EnrollmentRow,
    name: &str,
    position: Option<i64>,
) -> Result<Enrollment, DbError> {
    Ok(Enrollment {
        id: EnrollmentId::new(row.id),
        session_id: SessionId::new(row.session_id),
        user_id: UserId::new(row.user_id),
        user_name: name.to_string(),
        customer_id: CustomerId::new(row.customer_id),
        status: crate::db::parse_stored(&row.status)?,
        position,
        seat_price: Money::from_cents(row.seat_price_cents),
        created_at: row.created_at.and_utc(),
        cancelled_at: row.cancelled_at.map(|t| t.and_utc()),
    })
}

/// The enrollment with its waiting-list position when waiting.
fn load_enrollment(conn: &mut DbConn, row: &EnrollmentRow) -> Result<Enrollment, ServiceError> {
    let user = account_rows::find_user(conn, UserId::new(row.user_id))?;
    let position = if row.status == "waitlisted" {
        Some(rows::position(conn, row.session_id, row.id)?)
    } else {
        None
    };
    Ok(to_enrollment(row, &user.name, position)?)
}

/// Who the caller may sign up: themself; a business admin also the business's active people;
/// staff anyone active.
fn check_may_sign_up(by: &By, person: &User) -> Result<(), ServiceError> {
    if !person.active {
        return Err(ServiceError::Invalid(format!(
            "{} has no active account.",
            person.name
        )));
    }
    let Some(actor) = by.actor() else {
        return Ok(());
    };
    if actor.is_staff()
        || actor.user_id == person.id
        || actor.administers_business(person.customer_id)
    {
        return Ok(());
    }
    Err(ServiceError::Forbidden(
        "You can only sign up yourself (a business admin: the business's people).".into(),
    ))
}

/// Signs people up for a session, all or nothing: each takes a seat while any is left (a
/// guarded counter update), the rest join the waiting list in the order given.
pub fn sign_up(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    session_id: SessionId,
    people: &[UserId],
) -> Result<Vec<Enrollment>, ServiceError> {
    if people.is_empty() {
        return Err(ServiceError::Invalid("Say who to sign up.".into()));
    }
    if people.len() > 100 {
        return Err(ServiceError::Invalid(
            "Sign up at most 100 people at once.".into(),
        ));
    }
    let mut unique = people.to_vec();
    unique.sort();
    unique.dedup();
    if unique.len() != people.len() {
        return Err(ServiceError::Invalid(
            "Each person can be signed up once.".into(),
        ));
    }
    write_tx(conn, |c| {
        // Sign-ups to one session queue on its row, so each answer's waiting-list position is
        // exact at commit (the seat itself is guarded by the counter update below either way).
        if !lock_row(c, "training_sessions", session_id.get())? {
            return Err(ServiceError::NotFound);
        }
        let row = rows::find_session(c, session_id.get())?;
        if row.status != "scheduled" {
            return Err(ServiceError::Conflict(
                "This session was cancelled by the workshop.".into(),
            ));
        }
        if row.starts_at.and_utc() <= now() {
            return Err(ServiceError::Invalid(
                "This session has already started; sign up for a later date.".into(),
            ));
        }
        let course = to_course(rows::find_course(c, row.course_id)?);
        let mut signed = Vec::with_capacity(people.len());
        for person in people {
            let user = account_rows::find_user(c, *person).map_err(|e| match e {
                DbError::NotFound => ServiceError::Invalid(format!("There is no user {person}.")),
                other => other.into(),
            })?;
            check_may_sign_up(by, &user)?;
            let customer = account_rows::find_customer(c, user.customer_id)?;
            let price = seat_price(&row, customer.price_category);
            let at = timestamp(now());
            let seated = rows::take_seat(c, row.id, at)?;
            let status = if seated {
                EnrollmentStatus::Confirmed
            } else {
                EnrollmentStatus::Waitlisted
            };
            let id = rows::insert_enrollment(
                c,
                &NewEnrollmentRow {
                    session_id: row.id,
                    customer_id: customer.id.get(),
                    user_id: user.id.get(),
                    status: status.as_str(),
                    price_category: customer.price_category.as_str(),
                    seat_price_cents: price.cents(),
                    created_by: by.actor().map(|a| a.user_id.get()),
                    created_at: at,
                    updated_at: at,
                    confirmed_at: seated.then_some(at),
                },
            )
            .map_err(|e| match e {
                DbError::Unique(_) => ServiceError::Conflict(format!(
                    "{} is already signed up for this session.",
                    user.name
                )),
                other => other.into(),
            })?;
            let enrollment_row = rows::find_enrollment(c, id)?;
            if seated {
                charge_seat(c, ctx, &enrollment_row, &row, &course)?;
            }
            let enrollment = load_enrollment(c, &enrollment_row)?;
            let changes = Changes::new()
                .set("session_id", &session_id)
                .set("user_id", &user.id)
                .set("status", &enrollment.status)
                .set("position", &enrollment.position);
            audit::record(c, by, "enrollment.create", "enrollment", Some(id), changes)?;
            let notice = if seated {
                Notice::Confirmed
            } else {
                Notice::Waitlisted(enrollment.position.unwrap_or(1))
            };
            notify(c, ctx, &enrollment_row, &row, &course, notice)?;
            signed.push(enrollment);
        }
        Ok(signed)
    })
}

fn seat_price(row: &SessionRow, category: PriceCategory) -> Money {
    Money::from_cents(match category {
        PriceCategory::Member => row.seat_member_cents,
        PriceCategory::Business => row.seat_business_cents,
        PriceCategory::Public => row.seat_public_cents,
    })
}

/// Moves the first in line into each free seat, in the caller's transaction, and tells them.
/// Returns the enrollments promoted.
fn promote_waiting(
    c: &mut DbConn,
    ctx: &Context<'_>,
    session_id: SessionId,
) -> Result<Vec<EnrollmentId>, ServiceError> {
    let mut promoted = Vec::new();
    while let Some(next) = rows::first_waiting(c, session_id.get())? {
        let at = timestamp(now());
        if !rows::take_seat(c, session_id.get(), at)? {
            break;
        }
        rows::set_enrollment_status(c, next.id, "confirmed", at)?;
        let row = rows::find_session(c, session_id.get())?;
        let course = to_course(rows::find_course(c, row.course_id)?);
        charge_seat(c, ctx, &next, &row, &course)?;
        let changes = Changes::new().field("status", &"waitlisted", &"confirmed");
        audit::record(
            c,
            &By::System("waiting list"),
            "enrollment.promote",
            "enrollment",
            Some(next.id),
            changes,
        )?;
        notify(c, ctx, &next, &row, &course, Notice::Promoted)?;
        promoted.push(EnrollmentId::new(next.id));
    }
    Ok(promoted)
}

/// An enrollment the caller may see: staff, the session's tutor, the trainee, and whoever answers
/// for the customer account. Anyone else's answers `NotFound`. The flag says whether the caller
/// sees it only as the session's tutor.
fn visible(
    conn: &mut DbConn,
    by: &By,
    id: EnrollmentId,
) -> Result<(EnrollmentRow, bool), ServiceError> {
    let row = rows::find_enrollment(conn, id.get())?;
    let Some(actor) = by.actor() else {
        return Ok((row, false));
    };
    let kind = if actor.is_staff() || actor.user_id.get() == row.user_id {
        CustomerKind::Individual
    } else {
        account_rows::find_customer(conn, CustomerId::new(row.customer_id))?.kind
    };
    if actor.may_view_booking(
        UserId::new(row.user_id),
        CustomerId::new(row.customer_id),
        kind,
    ) {
        return Ok((row, false));
    }
    if teaches(conn, actor.user_id, row.session_id)? {
        return Ok((row, true));
    }
    Err(ServiceError::NotFound)
}

/// Whether `user` is the tutor of the session.
fn teaches(conn: &mut DbConn, user: UserId, session_id: i64) -> Result<bool, ServiceError> {
    let session = rows::find_session(conn, session_id)?;
    Ok(tutor_rows::tutor_user(conn, session.tutor_id)? == Some(user.get()))
}

pub fn enrollment(
    conn: &mut DbConn,
    by: &By,
    id: EnrollmentId,
) -> Result<Enrollment, ServiceError> {
    let (row, _) = visible(conn, by, id)?;
    load_enrollment(conn, &row)
}

/// What leaving cost.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Left {
    #[serde(flatten)]
    pub enrollment: Enrollment,
    pub cancellation_fee: Money,
    /// Who got the seat.
    pub promoted: Vec<EnrollmentId>,
}

/// Gives up a seat (the course's deadline-and-fee rule applies; the first in line is promoted in
/// the same transaction) or leaves the waiting list (free).
pub fn leave(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    id: EnrollmentId,
) -> Result<Left, ServiceError> {
    write_tx(conn, |c| {
        let (row, tutor_only) = visible(c, by, id)?;
        if tutor_only {
            return Err(ServiceError::Forbidden(
                "A tutor marks attendance but cannot cancel someone's seat.".into(),
            ));
        }
        // Freeing a seat and promoting the next in line queue on the session's row, so two
        // people leaving at once never promote the same person twice.
        lock_row(c, "training_sessions", row.session_id)?;
        let row = rows::find_enrollment(c, row.id)?;
        let session = rows::find_session(c, row.session_id)?;
        let was = row.status.clone();
        if !matches!(was.as_str(), "confirmed" | "waitlisted") {
            return Err(ServiceError::Conflict(format!(
                "This enrollment is already {}.",
                was.replace('_', "-")
            )));
        }
        let at = now();
        let staff = by.actor().is_none_or(|a| a.is_staff());
        if !staff && session.starts_at.and_utc() <= at {
            return Err(ServiceError::Invalid(
                "This session has already started; ask the front desk.".into(),
            ));
        }
        let course = to_course(rows::find_course(c, session.course_id)?);
        rows::set_enrollment_status(c, row.id, "cancelled", timestamp(at))?;
        let mut fee = Money::ZERO;
        let mut promoted = Vec::new();
        if was == "confirmed" {
            rows::release_seat(c, session.id, timestamp(at))?;
            reverse_seat(c, ctx, &row, &session, &course)?;
            let seat = Money::from_cents(row.seat_price_cents);
            fee = course
                .cancellation_policy()
                .fee(session.starts_at.and_utc(), at, seat);
            if fee > Money::ZERO {
                charge(
                    c,
                    ctx,
                    &row,
                    &session,
                    "late_cancel",
                    format!("Late cancellation: {}", course.name),
                    fee,
                )?;
            }
            promoted = promote_waiting(c, ctx, SessionId::new(session.id))?;
        }
        let changes = Changes::new()
            .field("status", &was, &"cancelled".to_string())
            .set("cancellation_fee", &fee)
            .set("promoted", &promoted);
        audit::record(
            c,
            by,
            "enrollment.cancel",
            "enrollment",
            Some(row.id),
            changes,
        )?;
        let reason = if was == "confirmed" {
            format!(
                "your seat at {} on {} is cancelled.",
                course.name,
                when(
                    ctx.tz,
                    session.starts_at.and_utc(),
                    session.ends_at.and_utc()
                )
            )
        } else {
            format!(
                "you have left the waiting list of {} on {}.",
                course.name,
                when(
                    ctx.tz,
                    session.starts_at.and_utc(),
                    session.ends_at.and_utc()
                )
            )
        };
        let fee_line = if fee > Money::ZERO {
            format!("As it was cancelled late, a fee of {fee} EUR goes on your next invoice.")
        } else {
            "Nothing is charged.".to_string()
        };
        notify(
            c,
            ctx,
            &row,
            &session,
            &course,
            Notice::Cancelled { reason, fee_line },
        )?;
        let left = rows::find_enrollment(c, row.id)?;
        Ok(Left {
            enrollment: load_enrollment(c, &left)?,
            cancellation_fee: fee,
            promoted,
        })
    })
}

/// A session's participants and waiting list (positions derived from order): staff and the
/// session's tutor only.
pub fn participants(
    conn: &mut DbConn,
    by: &By,
    session_id: SessionId,
) -> Result<Vec<Enrollment>, ServiceError> {
    let row = rows::find_session(conn, session_id.get())?;
    if let Some(actor) = by.actor() {
        if !actor.is_staff() && !teaches(conn, actor.user_id, row.id)? {
            return Err(ServiceError::NotFound);
        }
    }
    let mut position = 0;
    rows::of_session(conn, row.id)?
        .iter()
        .map(|(e, name)| {
            let place = (e.status == "waitlisted").then(|| {
                position += 1;
                position
            });
            Ok(to_enrollment(e, name, place)?)
        })
        .collect()
}

/// Marks a confirmed participant attended or absent (staff or the session's tutor, once the
/// session has started). Attending grants the course's qualification; a no-show pays the
/// course's no-show fee, if any.
pub fn mark_attendance(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    id: EnrollmentId,
    attendance: Attendance,
) -> Result<Enrollment, ServiceError> {
    write_tx(conn, |c| {
        let row = rows::find_enrollment(c, id.get())?;
        if let Some(actor) = by.actor() {
            if !actor.is_staff() && !teaches(c, actor.user_id, row.session_id)? {
                return Err(ServiceError::NotFound);
            }
        }
        let session = rows::find_session(c, row.session_id)?;
        if session.status != "scheduled" {
            return Err(ServiceError::Conflict("This session was cancelled.".into()));
        }
        if session.starts_at.and_utc() > now() {
            return Err(ServiceError::Invalid(
                "Attendance can be marked once the session has started.".into(),
            ));
        }
        if row.status != "confirmed" {
            return Err(ServiceError::Conflict(format!(
                "Only a confirmed seat can be marked; this one is {}.",
                row.status.replace('_', "-")
            )));
        }
        let status = attendance.status();
        let at = now();
        rows::set_enrollment_status(c, row.id, status.as_str(), timestamp(at))?;
        let course = to_course(rows::find_course(c, session.course_id)?);
        let mut changes = Changes::new().field("status", &"confirmed", &status.as_str());
        match attendance {
            Attendance::Attended => {
                if let Some(qualification) = course.qualification_id {
                    let valid = resource_rows::qualification_valid_months(c, qualification)?;
                    let expires =
                        valid.and_then(|m| at.checked_add_months(Months::new(m.unsigned_abs())));
                    let user = UserId::new(row.user_id);
                    resource_rows::grant(
                        c,
                        user,
                        qualification,
                        timestamp(at),
                        expires.map(timestamp),
                    )?;
                    changes = changes
                        .set("granted_qualification_id", &qualification)
                        .set("expires_at", &expires);
                }
            }
            Attendance::NoShow => {
                if course.no_show_fee > Money::ZERO {
                    charge(
                        c,
                        ctx,
                        &row,
                        &session,
                        "no_show",
                        format!("Absent from {}", course.name),
                        course.no_show_fee,
                    )?;
                    changes = changes.set("no_show_fee", &course.no_show_fee);
                }
            }
        }
        audit::record(
            c,
            by,
            "enrollment.attendance",
            "enrollment",
            Some(row.id),
            changes,
        )?;
        let marked = rows::find_enrollment(c, row.id)?;
        load_enrollment(c, &marked)
    })
}

/// An enrollment with its session, as "My trainings" lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyEnrollment {
    #[serde(flatten)]
    pub enrollment: Enrollment,
    pub session: Session,
}

/// The caller's enrollments (a business admin: the business's), newest session first.
pub fn my_enrollments(conn: &mut DbConn, by: &By) -> Result<Vec<MyEnrollment>, ServiceError> {
    let Some(actor) = by.actor() else {
        return Ok(Vec::new());
    };
    let (user, customer) = if actor.role == Role::BusinessAdmin {
        (None, Some(actor.customer_id.get()))
    } else {
        (Some(actor.user_id.get()), None)
    };
    let found = rows::of_people(conn, user, customer, 500)?;
    let mut session_rows = Vec::new();
    for (e, _) in &found {
        if !session_rows
            .iter()
            .any(|s: &SessionRow| s.id == e.session_id)
        {
            session_rows.push(rows::find_session(conn, e.session_id)?);
        }
    }
    let sessions = to_sessions(conn, session_rows)?;
    let mut mine = Vec::with_capacity(found.len());
    for (row, name) in &found {
        let position = if row.status == "waitlisted" {
            Some(rows::position(conn, row.session_id, row.id)?)
        } else {
            None
        };
        let Some(session) = sessions.iter().find(|s| s.id.get() == row.session_id) else {
            continue;
        };
        mine.push(MyEnrollment {
            enrollment: to_enrollment(row, name, position)?,
            session: session.clone(),
        });
    }
    Ok(mine)
}

// --- Charges ----------------------------------------------------------------------------------

fn charge(
    c: &mut DbConn,
    ctx: &Context<'_>,
    enrollment: &EnrollmentRow,
    session: &SessionRow,
    kind: &str,
    description: String,
    amount: Money,
) -> Result<bool, ServiceError> {
    let start = session.starts_at.and_utc();
    let description = format!(
        "{description}, {}",
        when(ctx.tz, start, session.ends_at.and_utc())
    );
    Ok(booking_rows::insert_charge_once(
        c,
        &NewChargeRow {
            customer_id: enrollment.customer_id,
            user_id: Some(enrollment.user_id),
            kind,
            source_type: "enrollment",
            source_id: enrollment.id,
            revision: 0,
            service_date: ctx.tz.local_date(start),
            description: &description,
            quantity: 1,
            unit_price_cents: amount.cents(),
            price_category: &enrollment.price_category,
            vat_category: "training",
            machine_category_id: None,
            created_at: timestamp(now()),
        },
    )?)
}

/// The seat, at the price of the customer's category at sign-up (nothing for a free seat).
fn charge_seat(
    c: &mut DbConn,
    ctx: &Context<'_>,
    enrollment: &EnrollmentRow,
    session: &SessionRow,
    course: &Course,
) -> Result<(), ServiceError> {
    let price = Money::from_cents(enrollment.seat_price_cents);
    if price > Money::ZERO {
        charge(
            c,
            ctx,
            enrollment,
            session,
            "seat",
            format!("Seat: {}", course.name),
            price,
        )?;
    }
    Ok(())
}

/// Reverses the seat charge of an enrollment, if one was written: a negative charge of the same
/// amount, never an edit.
fn reverse_seat(
    c: &mut DbConn,
    ctx: &Context<'_>,
    enrollment: &EnrollmentRow,
    session: &SessionRow,
    course: &Course,
) -> Result<(), ServiceError> {
    let seat = booking_rows::charges_for_source(c, "enrollment", enrollment.id)?
        .into_iter()
        .find(|ch| ch.kind == "seat");
    if let Some(seat) = seat {
        charge(
            c,
            ctx,
            enrollment,
            session,
            "reversal",
            format!("Seat returned: {}", course.name),
            Money::from_cents(-seat.unit_price_cents * seat.quantity),
        )?;
    }
    Ok(())
}

// --- Mail and calendars -----------------------------------------------------------------------

enum Notice {
    Confirmed,
    Waitlisted(i64),
    Promoted,
    Cancelled { reason: String, fee_line: String },
}

/// The enrollment as a calendar event: one UID per enrollment, its SEQUENCE the session's (one
/// more once the seat is given up), so a cancellation replaces the event it cancels.
pub fn calendar_event(
    enrollment_id: i64,
    enrollment_cancelled: bool,
    session: &Session,
    host: &str,
    stamp: DateTime<Utc>,
) -> CalendarEvent {
    CalendarEvent {
        uid: ics::enrollment_uid(enrollment_id, host),
        summary: format!("{} (training)", session.course_name),
        description: format!(
            "Training at the workshop with {}. Enrollment {enrollment_id}.",
            session.tutor_name
        ),
        location: String::new(),
        starts_at: session.starts_at,
        ends_at: session.ends_at,
        sequence: session.sequence + i32::from(enrollment_cancelled),
        cancelled: enrollment_cancelled || session.status == SessionStatus::Cancelled,
        stamp,
    }
}

/// A session the tutor teaches, as the tutor's calendar shows it.
pub fn teaching_event(session: &Session, host: &str, stamp: DateTime<Utc>) -> CalendarEvent {
    CalendarEvent {
        uid: ics::session_uid(session.id.get(), host),
        summary: format!("Teaching: {}", session.course_name),
        description: format!(
            "{} of {} seats taken, {} waiting.",
            session.seats_taken, session.seats, session.waiting
        ),
        location: String::new(),
        starts_at: session.starts_at,
        ends_at: session.ends_at,
        sequence: session.sequence,
        cancelled: session.status == SessionStatus::Cancelled,
        stamp,
    }
}

/// A user's training as their calendar feed shows it, within `[from, to)`: every seat they hold
/// or held (a seat given up or a session called off as cancelled; a waiting-list place is not an
/// event) and every session they teach.
pub fn feed_events(
    conn: &mut DbConn,
    user: UserId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    host: &str,
) -> Result<Vec<CalendarEvent>, ServiceError> {
    let held: Vec<EnrollmentRow> = rows::of_people(conn, Some(user.get()), None, 500)?
        .into_iter()
        .map(|(row, _)| row)
        .filter(|row| row.confirmed_at.is_some())
        .collect();
    let mut session_rows: Vec<SessionRow> = Vec::new();
    for row in &held {
        if !session_rows.iter().any(|s| s.id == row.session_id) {
            session_rows.push(rows::find_session(conn, row.session_id)?);
        }
    }
    let sessions = to_sessions(conn, session_rows)?;
    let mut events = Vec::new();
    for row in &held {
        let Some(session) = sessions.iter().find(|s| s.id.get() == row.session_id) else {
            continue;
        };
        if session.ends_at <= from || session.starts_at >= to {
            continue;
        }
        let stamp = row.cancelled_at.unwrap_or(row.created_at).and_utc();
        let cancelled = row.status == "cancelled" && session.status == SessionStatus::Scheduled;
        events.push(calendar_event(row.id, cancelled, session, host, stamp));
    }
    if let Some(tutor) = super::tutors::of_user(conn, user)? {
        let teaching = rows::list_sessions(
            conn,
            &SessionFilter {
                from: Some(timestamp(from)),
                to: Some(timestamp(to)),
                tutor_id: Some(tutor.resource.id.get()),
                include_cancelled: true,
                limit: 1000,
                ..SessionFilter::default()
            },
        )?;
        for session in to_sessions(conn, teaching)? {
            events.push(teaching_event(&session, host, now()));
        }
    }
    Ok(events)
}

/// The sessions that occupy a machine within `[from, to)`, for the machine's feed.
pub fn machine_feed_events(
    conn: &mut DbConn,
    machine: ResourceId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    host: &str,
) -> Result<Vec<CalendarEvent>, ServiceError> {
    let found = rows::sessions_of_machine(conn, machine.get(), timestamp(from), timestamp(to))?;
    Ok(to_sessions(conn, found)?
        .iter()
        .map(|s| teaching_event(s, host, now()))
        .collect())
}

fn notify(
    c: &mut DbConn,
    ctx: &Context<'_>,
    enrollment: &EnrollmentRow,
    row: &SessionRow,
    course: &Course,
    notice: Notice,
) -> Result<(), ServiceError> {
    let Some(identity) = ctx.mail else {
        return Ok(());
    };
    let user = account_rows::find_user(c, UserId::new(enrollment.user_id))?;
    let session = session(c, SessionId::new(row.id))?;
    let when = when(ctx.tz, session.starts_at, session.ends_at);
    let link = format!("{}/trainings", ctx.public_url.trim_end_matches('/'));
    let price = format!("{} EUR", Money::from_cents(enrollment.seat_price_cents));
    let policy = course.cancellation_policy();
    let free_until = ctx
        .tz
        .to_local(session.starts_at - Duration::hours(policy.free_until_hours))
        .format("%a %d %b %Y %H:%M")
        .to_string();
    let policy_line = format!(
        "You can give up your seat for free until {free_until}; later it costs {} % of the seat.",
        course.late_cancel_percent
    );
    let id = enrollment.id;
    let (key, method, template, status_line, subject_status, reason, fee_line) = match notice {
        Notice::Confirmed => (
            format!("enrollment-{id}-confirmed"),
            Some(Method::Request),
            crate::mail_template!("training_signup"),
            "your seat is confirmed.".to_string(),
            "Seat confirmed",
            String::new(),
            String::new(),
        ),
        Notice::Waitlisted(position) => (
            format!("enrollment-{id}-waitlisted"),
            None,
            crate::mail_template!("training_signup"),
            format!(
                "the session is full, so you are on the waiting list at position {position}. \
                 When a seat frees up, the first in line gets it and is told by mail."
            ),
            "Waiting list",
            String::new(),
            String::new(),
        ),
        Notice::Promoted => (
            format!("enrollment-{id}-promoted"),
            Some(Method::Request),
            crate::mail_template!("training_signup"),
            "a seat has freed up and it is yours: you were first on the waiting list.".to_string(),
            "Seat confirmed",
            String::new(),
            String::new(),
        ),
        Notice::Cancelled { reason, fee_line } => (
            format!("enrollment-{id}-cancelled"),
            Some(Method::Cancel),
            crate::mail_template!("training_cancelled"),
            String::new(),
            "Cancelled",
            reason,
            fee_line,
        ),
    };
    let values = [
        ("name", user.name.as_str()),
        ("course", course.name.as_str()),
        ("when", when.as_str()),
        ("tutor", session.tutor_name.as_str()),
        ("price", price.as_str()),
        ("policy_line", policy_line.as_str()),
        ("link", link.as_str()),
        ("status_line", status_line.as_str()),
        ("subject_status", subject_status),
        ("reason_line", reason.as_str()),
        ("fee_line", fee_line.as_str()),
    ];
    let rendered = template
        .render(identity, &values)
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let mut mail = OutgoingMail::new(
        key,
        Recipient::new(user.email.clone(), Some(user.name.clone())),
        rendered,
    );
    if let Some(method) = method {
        let host = host_of(ctx.public_url);
        let cancelled = method == Method::Cancel;
        let event = calendar_event(id, cancelled, &session, &host, now());
        let attachment = ics::calendar(identity.name(), Some(method), &[event]);
        let name = if cancelled { "CANCEL" } else { "REQUEST" };
        mail = mail.attach(
            "training.ics",
            format!("text/calendar; charset=utf-8; method={name}"),
            attachment.into_bytes(),
        );
    }
    mail::enqueue(c, identity, mail).map_err(|e| match e {
        mail::MailError::Db(db) => ServiceError::Db(db),
        other => ServiceError::Invalid(other.to_string()),
    })?;
    Ok(())
}
